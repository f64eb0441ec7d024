package secrets

import "testing"

// TestCredentialName is the one rule: build args, audit's ENV/LABEL/ARG
// heuristics and pattern's keys all go by it. AUTHOR names no credential.
func TestCredentialName(t *testing.T) {
	yes := []string{"NPM_TOKEN", "GITHUB_TOKEN", "DB_PASSWORD", "MYSQL_ROOT_PASSWORD", "SECRET", "THEPASSWORD",
		"aws_secret_access_key", "AWS_SESSION_TOKEN", "clientSecret", "API_KEY", "apiKey", "STRIPE_API_KEY",
		"NPM_CONFIG__AUTH", "BASIC_AUTH", "PRIVATE_KEY", "npmAuthToken", "REGISTRY_CREDENTIALS", "DB_PASS", "SECRET_KEY_BASE",
		// keys inside secret files, for pattern
		"password", "PASSWD", "aws_secret_access_key", "_authToken", "//r/:_authToken", "_auth", "auth", "identitytoken",
		"client_secret", "api-key", "ApiKey", "private_key", "passphrase", "Authorization", "client-key-data", "DB_PWD", "bearer"}
	no := []string{"GPG_KEY", "PATH", "PWD", "HOME", "PYTHON_SHA256", "PASSWORD_FILE", "TOKEN_URL", "SECRET_NAME",
		"AWS_ACCESS_KEY_ID", "AUTHOR", "AUTH_TYPE", "KEYRING", "TOKENIZER", "PASSTHROUGH", "NODE_VERSION", "LANG",
		"org.opencontainers.image.source", "SSH_AUTH_SOCK",
		"timeout", "user", "username", "host", "index-url", "url", "email", "token_url", "password_file", "auth_type",
		"keyserver", "author", "region", "always-auth-file", "", "credsStore", "credHelpers", "credential_source",
		"credential_process", "aws_access_key_id", "credential.helper", "credHelpers", "docker_credential_program"}
	for _, n := range yes {
		if !CredentialName(n) {
			t.Errorf("CredentialName(%q) = false, want true", n)
		}
	}
	for _, n := range no {
		if CredentialName(n) {
			t.Errorf("CredentialName(%q) = true, want false", n)
		}
	}
}
