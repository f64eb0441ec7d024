package builder_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/hushbuild/hush/builder"
	"github.com/hushbuild/hush/secrets"
)

// A Draft-style tool builds a directory with a pip credential placed at
// pip's usual path for every RUN step, and never in the image.
func ExampleBuild() {
	pip, err := secrets.ParseSpec("id=pip,src=pip.conf,target=/root/.pip/pip.conf")
	if err != nil {
		log.Fatal(err)
	}
	res, err := builder.Build(context.Background(), builder.Options{
		ContextDir: ".",
		Tags:       []string{"myapp:dev"},
		Secrets:    []secrets.Spec{pip},
		Outputs:    []builder.Output{{Type: builder.OutputOCI, Dest: "out/oci"}},
		Stdout:     os.Stderr,
		Stderr:     os.Stderr,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.ImageID, res.Tags)
}
