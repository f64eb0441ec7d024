package corpus

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hushbuild/hush/secrets"
)

// cleanCase is public content a layer may hold beside a secret's build:
// path is a file or a tree.
type cleanCase struct{ name, path string }

type clean struct {
	// secrets are the clean corpus's own secret files, each with public
	// parts that its cases hold (the matrix's secrets are in the set too).
	secrets []secrets.Secret
	cases   []cleanCase
}

// helmValues is the head of a chart's values.yaml as `helm create` writes
// it, plus the database block charts add: the public template a
// deployment's secret values file is made from.
const helmValues = `# Default values for app.
# This is a YAML-formatted file.
# Declare variables to be passed into your templates.

replicaCount: 1

image:
  repository: nginx
  pullPolicy: IfNotPresent
  # Overrides the image tag whose default is the chart appVersion.
  tag: ""

imagePullSecrets: []
nameOverride: ""
fullnameOverride: ""

serviceAccount:
  # Specifies whether a service account should be created
  create: true
  # Annotations to add to the service account
  annotations: {}
  # The name of the service account to use.
  # If not set and create is true, a name is generated using the fullname template
  name: ""

podAnnotations: {}

podSecurityContext: {}
  # fsGroup: 2000

securityContext: {}
  # capabilities:
  #   drop:
  #   - ALL
  # readOnlyRootFilesystem: true
  # runAsNonRoot: true
  # runAsUser: 1000

service:
  type: ClusterIP
  port: 80

ingress:
  enabled: false
  className: ""
  annotations: {}
    # kubernetes.io/ingress.class: nginx
    # kubernetes.io/tls-acme: "true"
  hosts:
    - host: chart-example.local
      paths:
        - path: /
          pathType: ImplementationSpecific
  tls: []
  #  - secretName: chart-example-tls
  #    hosts:
  #      - chart-example.local

resources: {}
  # limits:
  #   cpu: 100m
  #   memory: 128Mi
  # requests:
  #   cpu: 100m
  #   memory: 128Mi

autoscaling:
  enabled: false
  minReplicas: 1
  maxReplicas: 100
  targetCPUUtilizationPercentage: 80

nodeSelector: {}

tolerations: []

affinity: {}

postgresql:
  enabled: true
  auth:
    username: app
    database: app
    existingSecret: ""
`

const helmChart = `apiVersion: v2
name: app
description: A Helm chart for Kubernetes
type: application
version: 0.1.0
appVersion: "1.16.0"
`

const helmDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "app.fullname" . }}
  labels:
    {{- include "app.labels" . | nindent 4 }}
spec:
  {{- if not .Values.autoscaling.enabled }}
  replicas: {{ .Values.replicaCount }}
  {{- end }}
  template:
    spec:
      containers:
        - name: {{ .Chart.Name }}
          image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
          imagePullPolicy: {{ .Values.image.pullPolicy }}
          env:
            - name: DATABASE_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: {{ .Values.postgresql.auth.existingSecret | default (include "app.fullname" .) }}
                  key: password
`

// laravelEnv is Laravel's .env.example (the framework's public template).
const laravelEnv = `APP_NAME=Laravel
APP_ENV=local
APP_KEY=
APP_DEBUG=true
APP_URL=http://localhost

LOG_CHANNEL=stack
LOG_LEVEL=debug

DB_CONNECTION=mysql
DB_HOST=127.0.0.1
DB_PORT=3306
DB_DATABASE=laravel
DB_USERNAME=root
DB_PASSWORD=

REDIS_HOST=127.0.0.1
REDIS_PASSWORD=null
REDIS_PORT=6379

MAIL_MAILER=smtp
MAIL_HOST=mailpit
MAIL_PORT=1025
MAIL_USERNAME=null
MAIL_PASSWORD=null
MAIL_ENCRYPTION=null
`

// cleanCorpus writes the clean cases in dir/clean and returns them with
// the secrets whose public parts they hold.
func cleanCorpus(t *testing.T, dir string, ks []kind) clean {
	root := filepath.Join(dir, "clean")
	var c clean
	file := func(name string, files map[string]string) {
		p := filepath.Join(root, name)
		for f, body := range files {
			fp := filepath.Join(p, f)
			if err := os.MkdirAll(filepath.Dir(fp), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(fp, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		c.cases = append(c.cases, cleanCase{name, p})
	}
	system := func(name, p string) {
		if _, err := os.Stat(p); err != nil {
			t.Logf("skip clean %s: %s not on this machine", name, p)
			return
		}
		c.cases = append(c.cases, cleanCase{name, p})
	}
	gen := func(name, script string) {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := sh(dir, script, []string{"OUT=" + p}); err != nil {
			t.Fatalf("clean %s: %v", name, err)
		}
		c.cases = append(c.cases, cleanCase{name, p})
	}

	// Real public content that looks like credentials.
	system("debian-keyrings", "/usr/share/keyrings")
	system("ca-certificates", "/usr/share/ca-certificates")
	system("ca-bundle", "/etc/ssl/certs/ca-certificates.crt")
	gen("apt-inrelease", `cp /var/lib/apt/lists/*InRelease "$OUT"/ 2>/dev/null || true`)
	file("laravel-env-example", map[string]string{".env.example": laravelEnv})
	file("django-env-example", map[string]string{".env.example": "DEBUG=True\nSECRET_KEY=django-insecure-change-me\nDATABASE_URL=postgres://postgres:postgres@localhost:5432/postgres\nREDIS_URL=redis://localhost:6379/0\n"})
	file("helm-chart", map[string]string{"app/Chart.yaml": helmChart, "app/values.yaml": helmValues, "app/templates/deployment.yaml": helmDeployment})

	// The public halves of the matrix's keys, and what public parts of
	// its secrets other files hold.
	gen("public-keys", `openssl pkey -in in/rsa-key -pubout -out "$OUT"/rsa.pub.pem
openssl pkey -in in/ec-key -pubout -out "$OUT"/ec.pub.pem
cp ed25519.pub "$OUT"/id_ed25519.pub
openssl req -new -x509 -key in/rsa-key -subj /CN=ci.example.internal -days 2 -out "$OUT"/cert.pem 2>/dev/null
ssh-keygen -y -f ed25519 > "$OUT"/authorized_keys`)
	// The kubeconfig's cluster CA, where a pod sees it.
	gen("cluster-ca", `mkdir -p "$OUT"/var/run/secrets/kubernetes.io/serviceaccount && cp ca.crt "$OUT"/var/run/secrets/kubernetes.io/serviceaccount/ca.crt`)
	gen("openpgp-public-key", `export GNUPGHOME=$PWD/gnupg
gpg -q --batch --export --armor > "$OUT"/ci.asc
gpg -q --batch --export > "$OUT"/ci.gpg`)
	file("public-parts", map[string]string{
		"README.md":       "Clone with `git clone https://git.example.internal/org/repo.git` as ci-bot.\n",
		"gitconfig":       "[url \"https://git.example.internal/\"]\n\tinsteadOf = git@git.example.internal:\n[user]\n\tname = ci-bot\n",
		"libpq.conf":      "host=db.example.internal port=5432 dbname=app user=appuser\n",
		"registries.conf": "unqualified-search-registries = [\"registry.example.internal\"]\n",
		"kubectl.sh":      "kubectl --server https://k8s.example.internal:6443 --context prod get pods\n",
		"iam.json":        `{"bindings": [{"role": "roles/viewer", "members": ["serviceAccount:ci@hush-ci-example.iam.gserviceaccount.com"]}], "token_uri": "https://oauth2.googleapis.com/token"}` + "\n",
	})

	// Secret files with public parts: the path of a public file, a cookie
	// domain, a public DSN, the public template a values file was made
	// from; each case holds only the public parts.
	pipPw := "pip" + randHex(t, 10)
	c.secrets = append(c.secrets, secrets.New("pip-conf", []byte("[global]\nindex-url = https://ci:"+pipPw+
		"@pypi.example.internal/simple\ntrusted-host = pypi.example.internal\ncert = /etc/ssl/certs/ca-certificates.crt\n")))
	file("secret-path", map[string]string{
		"etc/pip.conf":   "[global]\nindex-url = https://pypi.example.internal/simple\ntrusted-host = pypi.example.internal\ncert = /etc/ssl/certs/ca-certificates.crt\n",
		"etc/profile.sh": "export REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt\n",
	})
	c.secrets = append(c.secrets, secrets.New("cookies", []byte("# Netscape HTTP Cookie File\n.shop.example.com\tTRUE\t/\tTRUE\t2145916800\tsessionid\t"+randHex(t, 16)+"\n")))
	file("cookie-domain", map[string]string{
		"etc/nginx/conf.d/shop.conf": "server {\n    listen 80;\n    server_name shop.example.com .shop.example.com;\n    add_header Set-Cookie \"lang=en; Domain=.shop.example.com; Path=/\";\n}\n",
	})
	dsn := "https://" + randHex(t, 16) + "@o450123.ingest.sentry.io/5001234"
	c.secrets = append(c.secrets, secrets.New("app-env", []byte("SENTRY_DSN="+dsn+"\nDATABASE_PASSWORD="+password(t)+"\n")))
	file("public-dsn", map[string]string{
		"srv/www/static/app.js": "Sentry.init({ dsn: \"" + dsn + "\", tracesSampleRate: 0.1 });\n",
	})
	c.secrets = append(c.secrets, secrets.New("helm-values", []byte(strings.Replace(helmValues,
		"    existingSecret: \"\"\n", "    existingSecret: \"\"\n    password: "+password(t)+"\n", 1))))
	return c
}
