package pattern

import (
	"github.com/hushbuild/hush/secrets"
	"github.com/hushbuild/hush/secrets/internal/fixture"
)

// The shared fixtures under the names these tests were written with.
type Secret = secrets.Secret

var (
	New            = secrets.New
	fixtureSecrets = fixture.Secrets
	benchSecrets   = fixture.BenchSecrets
	mixedData      = fixture.MixedData
	dockerConfig   = fixture.DockerConfig
	privateKeys    = fixture.PrivateKeys
	pemLines       = fixture.PEMLines
)

const (
	pipConf    = fixture.PipConf
	pipPass    = fixture.PipPass
	npmrc      = fixture.Npmrc
	npmToken   = fixture.NpmToken
	gitCreds   = fixture.GitCreds
	gitToken   = fixture.GitToken
	netrc      = fixture.Netrc
	netrcPass  = fixture.NetrcPass
	awsCreds   = fixture.AwsCreds
	awsKeyID   = fixture.AwsKeyID
	awsSecret  = fixture.AwsSecret
	dockerUser = fixture.DockerUser
	dockerPass = fixture.DockerPass
	shortToken = fixture.ShortToken
)
