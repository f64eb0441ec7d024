package builder_test

import (
	"context"
	"fmt"
	"log"

	"github.com/hushbuild/hush/builder"
	"github.com/hushbuild/hush/secrets"
)

// A program that already holds a token in memory (from its own vault
// client, say) hands it to the build through a Store: no file, no
// environment variable. The Dockerfile mounts it as usual:
// RUN --mount=type=secret,id=npm,target=/root/.npmrc npm ci
func ExampleBuild_secretStore() {
	token := []byte("//registry.npmjs.org/:_authToken=...")
	res, err := builder.Build(context.Background(), builder.Options{
		ContextDir:  ".",
		Secrets:     []secrets.Spec{{ID: "npm", Mode: 0o400}},
		SecretStore: secrets.MapStore{"npm": token},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.ImageID)
}
