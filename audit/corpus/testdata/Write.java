// Java's serialisers as a program writes them by default:
// dst/java-NAME/PAYLOAD. Run as `java Write.java SRC DST` (no build step).
import java.io.*;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.*;
import java.util.*;

public class Write {
    interface W { byte[] write(byte[] b, String s) throws IOException; }

    static byte[] props(String s, boolean xml) throws IOException {
        Properties p = new Properties();
        p.setProperty("app.password", s);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (xml) p.storeToXML(out, null); else p.store(out, "generated");
        return out.toByteArray();
    }

    public static void main(String[] args) throws IOException {
        Path src = Paths.get(args[0]), dst = Paths.get(args[1]);
        Map<String, W> w = new TreeMap<>();
        w.put("properties", (b, s) -> props(s, false));
        w.put("properties-xml", (b, s) -> props(s, true));
        w.put("base64", (b, s) -> Base64.getEncoder().encode(b));
        w.put("base64-mime", (b, s) -> Base64.getMimeEncoder().encode(b));
        w.put("base64-url", (b, s) -> Base64.getUrlEncoder().encode(b));
        w.put("urlencoder", (b, s) -> URLEncoder.encode(s, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8));
        for (String n : w.keySet()) Files.createDirectories(dst.resolve("java-" + n));
        File[] in = src.toFile().listFiles();
        Arrays.sort(in);
        for (File f : in) {
            byte[] b = Files.readAllBytes(f.toPath());
            String s = new String(b, StandardCharsets.UTF_8);
            for (Map.Entry<String, W> e : w.entrySet())
                Files.write(dst.resolve("java-" + e.getKey()).resolve(f.getName()), e.getValue().write(b, s));
        }
    }
}
