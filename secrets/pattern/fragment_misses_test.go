package pattern

import (
	"slices"
	"testing"
)

// TestFragmentsMisses: fragments the first pattern rules dropped (a
// password starting with '$', XML credentials) or took where none is (keys
// naming a credential helper).
func TestFragmentsMisses(t *testing.T) {
	const nuget = `<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSourceCredentials>
    <corp>
      <add key="Username" value="ci-bot" />
      <add key="ClearTextPassword" value="NuG3t-cl34r-pw&amp;x" />
    </corp>
  </packageSourceCredentials>
</configuration>
`
	const maven = `<settings>
  <servers>
    <server>
      <id>corp-releases</id>
      <username>deployer</username>
      <password>M4ven-S3ttings-pw</password>
      <privateKey>/home/ci/.ssh/id_rsa</privateKey>
    </server>
  </servers>
</settings>
`
	tests := []struct {
		name  string
		value string
		want  map[string][]string
		not   []string
	}{
		{"dollar password in ini", "[db]\npassword = $ecretPa55-db\n",
			map[string][]string{FragKeyValue: {"$ecretPa55-db"}, FragLine: {"password = $ecretPa55-db"}}, nil},
		{"dollar password lower case", "DB_PASSWORD=$tr0ngpassword\n",
			map[string][]string{FragKeyValue: {"$tr0ngpassword"}}, nil},
		{"env reference stays a placeholder", "DB_PASSWORD=$DB_PASSWORD_FROM_CI\n",
			nil, []string{"$DB_PASSWORD_FROM_CI"}},
		{"NuGet.Config", nuget,
			map[string][]string{FragKeyValue: {"NuG3t-cl34r-pw&amp;x", "NuG3t-cl34r-pw&x"}},
			[]string{"ci-bot", "Username", "ClearTextPassword", "corp"}},
		{"Maven settings.xml", maven,
			map[string][]string{FragKeyValue: {"M4ven-S3ttings-pw"}, FragLine: {"<password>M4ven-S3ttings-pw</password>"}},
			[]string{"deployer", "corp-releases", "<servers>"}},
		{"XML attribute", `<server id="r" password="Attr-Pa55word-9"/>` + "\n<x/>\n",
			map[string][]string{FragKeyValue: {"Attr-Pa55word-9"}}, []string{"r"}},
		{"docker credential helpers", `{"auths":{},"credsStore":"ecr-login","credHelpers":{"123.dkr.ecr.example.com":"ecr-login"}}`,
			nil, []string{"ecr-login"}},
		{"AWS runtime config", "[default]\ncredential_source = Ec2InstanceMetadata\ncredential_process = /usr/local/bin/aws-cred-helper --profile ci\nregion = eu-west-1\n[profile ci]\naws_secret_access_key = Aws-S3cret-acc3ss-key\n",
			map[string][]string{FragKeyValue: {"Aws-S3cret-acc3ss-key"}},
			[]string{"Ec2InstanceMetadata", "/usr/local/bin/aws-cred-helper --profile ci", "credential_source = Ec2InstanceMetadata"}},
		{"git credential helper", "[credential]\n\thelper = store --file /root/.git-creds-file\n",
			nil, []string{"store --file /root/.git-creds-file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := patternsOf(t, tt.value)
			for kind, frags := range tt.want {
				for _, f := range frags {
					if !slices.Contains(got[kind], f) {
						t.Errorf("no %s pattern %q; have %q", kind, f, got)
					}
				}
			}
			all := allPatterns(NewSet(New("s", []byte(tt.value))))
			for _, n := range tt.not {
				if slices.Contains(all, n) {
					t.Errorf("%q is a pattern, want none", n)
				}
			}
		})
	}
	for _, k := range []string{"credsStore", "credHelpers", "credential_source", "credential_process", "credential_helper", "credential.helper"} {
		if credentialKey(k) {
			t.Errorf("credentialKey(%q) = true, want false: it names a helper", k)
		}
	}
}
