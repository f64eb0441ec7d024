<?php
// PHP's serialisers as a script writes them by default: dst/php-NAME/PAYLOAD.
[$self, $src, $dst] = $argv;
$w = [
    "var-export" => fn($s) => var_export(["value" => $s], true),
    "json-encode" => fn($s) => json_encode(["value" => $s]),
    "serialize" => fn($s) => serialize(["value" => $s]),
    "urlencode" => fn($s) => urlencode($s),
    "rawurlencode" => fn($s) => rawurlencode($s),
    "htmlspecialchars" => fn($s) => htmlspecialchars($s),
    "addslashes" => fn($s) => addslashes($s),
];
foreach ($w as $n => $fn) @mkdir("$dst/php-$n");
$files = scandir($src);
foreach ($files as $p) {
    if ($p[0] === ".") continue;
    $s = file_get_contents("$src/$p");
    foreach ($w as $n => $fn) file_put_contents("$dst/php-$n/$p", $fn($s));
}
