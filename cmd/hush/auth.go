package main

import "os"

// authFile is --authfile, else $REGISTRY_AUTH_FILE as podman, buildah and
// skopeo read it; "" leaves the search to containers/image (auth.json,
// then $DOCKER_CONFIG/config.json or ~/.docker/config.json).
func authFile(flag string) string {
	if flag != "" {
		return flag
	}
	return os.Getenv("REGISTRY_AUTH_FILE")
}
