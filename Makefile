# hush: the targets a newcomer can guess. `make demo` and `make test` are the
# two commands the README gives; both install what is missing first.
TAGS    := containers_image_openpgp exclude_graphdriver_btrfs exclude_graphdriver_devicemapper
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
GO      ?= go
GOFLAGS_HUSH := -mod=vendor -tags "$(TAGS)"
export CGO_ENABLED := 1

.PHONY: all build deps base image demo test unit e2e bench lint vendor docs clean

all: build

deps:
	@scripts/deps.sh

build:
	$(GO) build $(GOFLAGS_HUSH) -ldflags "-X main.version=$(VERSION)" -o bin/hush ./cmd/hush

# base makes localhost/busybox:latest offline, with hush itself, from
# Debian's busybox-static: no registry is needed.
base: build
	@scripts/base.sh bin/hush

# image builds localhost/hush:dev, with hush, FROM scratch: a static hush
# (netgo, osusergo: no libc lookups at run time) plus this machine's runc,
# newuidmap, newgidmap and busybox (scripts/image.sh). Output:
# bin/hush-image.tar (docker load) and bin/hush-image/ (OCI layout).
image: build
	$(GO) build -mod=vendor -tags "$(TAGS) netgo osusergo" -ldflags "-linkmode external -extldflags -static -X main.version=$(VERSION)" -o bin/hush-static ./cmd/hush
	@scripts/image.sh bin/hush-static bin/hush

# release writes hush's release to bin/release (scripts/release.sh,
# docs/release.md): static binaries for linux/amd64 and linux/arm64 with
# SHA256SUMS, and hush's image for both platforms, built by this hush with
# provenance, SBOM and guard attestation, as an OCI layout (pushed too
# when RELEASE_REGISTRY is set); then scripts/release-check.sh checks them.
.PHONY: release
release: deps build
	@VERSION=$(VERSION) scripts/release.sh bin/release bin/hush

demo: deps build
	@scripts/demo.sh bin/hush

# test runs every suite: unit tests, then the end-to-end suite as root and
# as an unprivileged user (scripts/test-env.sh creates it). The image is
# for tests/container_test.go (hush in docker run set-ups).
test: deps build image
	$(GO) test $(GOFLAGS_HUSH) -count=1 $$($(GO) list $(GOFLAGS_HUSH) ./... | grep -v /tests)
	@scripts/e2e.sh

bench: deps build
	@scripts/bench.sh

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' | grep -v ^vendor/))" || { gofmt -l $$(git ls-files '*.go' | grep -v ^vendor/); echo "gofmt: files above need formatting"; exit 1; }
	$(GO) vet $(GOFLAGS_HUSH) ./...

vendor:
	$(GO) mod tidy
	$(GO) mod vendor
	$(GO) mod verify
	@git diff --exit-code -- go.mod go.sum vendor/ || { echo "vendor/ is out of date: commit the result of make vendor"; exit 1; }

docs: build
	@scripts/docs.sh bin/hush

clean:
	rm -rf bin
