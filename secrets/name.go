package secrets

import (
	"strings"
	"unicode"
)

// nameWords are name tokens that say a variable holds a credential
// (NPM_TOKEN, dbPassword, CLIENT_SECRET, API_KEY via the pairs below).
var nameWords = map[string]bool{
	"PASSWORD": true, "PASSWORDS": true, "PASSWD": true, "PASS": true, "PASSPHRASE": true,
	"SECRET": true, "SECRETS": true, "TOKEN": true, "TOKENS": true,
	"APIKEY": true, "ACCESSKEY": true, "SECRETKEY": true, "PRIVATEKEY": true,
	"CREDENTIAL": true, "CREDENTIALS": true, "CREDS": true, "AUTHTOKEN": true, "AUTHORIZATION": true,
	"BEARER": true, "COOKIE": true, "COOKIES": true, "DSN": true, "PWD": true, "PASSCODE": true,
	"CONNSTR": true, "CONNSTRING": true, "CONNECTIONSTRING": true, "CONNECTIONSTRINGS": true, "HTPASSWD": true,
	"PAT": true,
}

// runTogether are word ends that name a credential inside a longer token:
// THEPASSWORD, MYSECRET, GHTOKEN, GOOGLEAPIKEY, DBCONNSTRING.
var runTogether = []string{"PASSWORD", "PASSWD", "SECRET", "TOKEN", "APIKEY", "ACCESSKEY", "PRIVATEKEY", "CONNSTRING", "CONNECTIONSTRING"}

// keyNotSecret are the words before a final KEY that make it a public or
// structural key: GPG_KEY (a fingerprint, in official images),
// PUBLIC_KEY, CACHE_KEY, PRIMARY_KEY, IDEMPOTENCY_KEY.
var keyNotSecret = map[string]bool{
	"GPG": true, "PGP": true, "PUBLIC": true, "PUB": true, "HOST": true, "CACHE": true, "PRIMARY": true,
	"FOREIGN": true, "SORT": true, "PARTITION": true, "ROUTING": true, "IDEMPOTENCY": true, "SHARD": true,
	"HASH": true, "LOOKUP": true, "MAP": true, "INDEX": true, "UNIQUE": true, "COMPOSITE": true, "RANGE": true,
	"GROUP": true, "SEARCH": true, "FINGERPRINT": true, "RECV": true, "KEYSERVER": true, "MESSAGE": true,
	"DEDUP": true, "DEDUPLICATION": true, "CONTAINER": true, "BUCKET": true, "OBJECT": true, "S3": true,
	"LABEL": true, "NODE": true, "CONFIG": true, "REDIS": true, "STORAGE": true, "TRANSLATION": true, "I18N": true,
}

// secretURLs are the words before a final URL, URI or DSN whose value
// carries its password: DATABASE_URL, REDIS_URL, MONGODB_URI,
// CELERY_BROKER_URL, SLACK_WEBHOOK_URL.
var secretURLs = map[string]bool{
	"DATABASE": true, "DB": true, "REDIS": true, "MONGO": true, "MONGODB": true, "POSTGRES": true,
	"POSTGRESQL": true, "PG": true, "MYSQL": true, "MARIADB": true, "AMQP": true, "RABBITMQ": true,
	"BROKER": true, "WEBHOOK": true, "CONNECTION": true, "CONN": true, "SQLALCHEMY": true, "MSSQL": true,
}

// namePairs are two adjacent tokens that together name a credential.
var namePairs = map[[2]string]bool{
	{"API", "KEY"}: true, {"ACCESS", "KEY"}: true, {"PRIVATE", "KEY"}: true, {"SIGNING", "KEY"}: true,
	{"ENCRYPTION", "KEY"}: true, {"MASTER", "KEY"}: true, {"LICENSE", "KEY"}: true, {"CLIENT", "KEY"}: true,
	{"SESSION", "KEY"}: true, {"SESSION", "TOKEN"}: true, {"SESSION", "COOKIE"}: true, {"SESSION", "SECRET"}: true,
	{"CONNECTION", "STRING"}: true, {"CONNECTION", "STRINGS"}: true, {"CONN", "STRING"}: true, {"CONN", "STR"}: true, {"CONNECTION", "STR"}: true,
	{"DEPLOY", "KEY"}: true, {"SSH", "KEY"}: true, {"SECRET", "KEY"}: true, {"AUTH", "KEY"}: true,
	{"HMAC", "KEY"}: true, {"JWT", "KEY"}: true, {"SIGNING", "SECRET"}: true, {"WEBHOOK", "SECRET"}: true,
}

// notValueSuffixes end names that refer to a credential without holding it
// (PASSWORD_FILE, TOKEN_URL, SECRET_NAME, API_KEY_ID ...).
var notValueSuffixes = map[string]bool{
	"FILE": true, "FILES": true, "PATH": true, "DIR": true, "URL": true, "URI": true, "NAME": true,
	"ID": true, "TYPE": true, "METHOD": true, "HEADER": true, "ENDPOINT": true, "LENGTH": true,
	"MIN": true, "MAX": true, "EXPIRY": true, "EXPIRES": true, "TTL": true, "ENABLED": true,
	"REQUIRED": true, "HOST": true, "PORT": true, "USER": true, "USERNAME": true, "LOCATION": true,
	"FILENAME": true, "ENV": true, "VAR": true, "MODE": true, "POLICY": true, "SIZE": true,
	"HELPER": true, "HELPERS": true, "STORE": true, "PROGRAM": true, "PLUGIN": true, "PROVIDER": true, "COMMAND": true, "CMD": true, "SCRIPT": true,
	"VERSION": true, "FORMAT": true, "KIND": true, "SOURCE": true, "PREFIX": true, "SUFFIX": true,
	"STDIN": true, "PROMPT": true, "PROCESS": true, "FD": true, "HASH": true, "DIGEST": true, "CHECKSUM": true,
	"SHA": true, "SHA1": true, "SHA256": true, "SHA512": true, "MD5": true, "ARN": true, "REF": true,
	"DOMAIN": true, "SECURE": true, "SAMESITE": true, "HTTPONLY": true, "AGE": true, "TIMEOUT": true, "LIFETIME": true,
}

// nameTokens splits NPM_AUTH_TOKEN, npmAuthToken and npm.auth-token alike
// into upper-case words.
func nameTokens(name string) []string {
	var toks []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			toks = append(toks, strings.ToUpper(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(name)
	for i, r := range rs {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
		case unicode.IsUpper(r) && len(cur) > 0 && (unicode.IsLower(cur[len(cur)-1]) ||
			i+1 < len(rs) && unicode.IsLower(rs[i+1]) && unicode.IsUpper(cur[len(cur)-1])):
			flush()
			cur = append(cur, r)
		default:
			cur = append(cur, r)
		}
	}
	flush()
	return toks
}

// CredentialName is hush's one rule for whether a name says it holds a
// credential. The builder turns credential-named --build-arg values into
// patterns (redacted, refused in the image), audit flags credential-named
// ENV/LABEL/ARG values, and pattern takes the values of credential-named
// keys inside a secret (ini, env, JSON) as fragments. It holds for a
// variable, label, flag or key name: NPM_TOKEN, DB_PASSWORD, aws_secret_access_key,
// clientSecret, API_KEY, NPM_CONFIG__AUTH. Names that point at one
// (PASSWORD_FILE, TOKEN_URL) or are merely key-shaped (GPG_KEY, a public
// key's fingerprint in official images) are not.
func CredentialName(name string) bool {
	toks := nameTokens(name)
	if len(toks) == 0 {
		return false
	}
	last := toks[len(toks)-1]
	switch {
	case len(toks) == 2 && toks[0] == "APPLICATION" && last == "CREDENTIALS", len(toks) == 3 && toks[1] == "APPLICATION" && last == "CREDENTIALS":
		// GOOGLE_APPLICATION_CREDENTIALS holds the path of the file.
		return false
	case len(toks) > 2 && toks[0] == "BUNDLE" && (last == "COM" || last == "ORG" || last == "IO" || last == "NET" || last == "DEV"):
		// Bundler's credentials for a host: BUNDLE_GITHUB__COM.
		return true
	}
	if len(toks) > 1 && (last == "URL" || last == "URI" || last == "DSN" || last == "STRING") {
		// DATABASE_URL, REDIS_URL, SQLALCHEMY_DATABASE_URI: a URL that
		// holds its password.
		for _, t := range toks[:len(toks)-1] {
			if secretURLs[t] {
				return true
			}
		}
	}
	if notValueSuffixes[last] {
		return false
	}
	for i, t := range toks {
		if nameWords[t] || t == "PWD" && len(toks) > 1 { // DB_PWD; PWD alone is the shell's directory
			return t != "PWD" || len(toks) > 1
		}
		for _, w := range runTogether {
			if strings.HasSuffix(t, w) {
				return true
			}
		}
		if i+1 < len(toks) && namePairs[[2]string{t, toks[i+1]}] {
			return true
		}
	}
	if len(toks) > 1 {
		prev := toks[len(toks)-2]
		switch last {
		case "KEY", "KEYS":
			// STRIPE_KEY, SENDGRID_KEY, MAPS_API_KEY: a service's key;
			// not GPG_KEY or CACHE_KEY.
			return !keyNotSecret[prev]
		case "PRIVATE", "PASS", "PIN":
			// SSH_PRIVATE, KEYSTORE_PASS, SIM_PIN.
			return true
		}
	}
	// AUTH alone only as the last word: NPM_AUTH, BASIC_AUTH, but not
	// AUTH_TYPE (caught above) or AUTHOR.
	return last == "AUTH"
}
