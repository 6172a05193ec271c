# wait-for-init: build, test and publish the Lambda extension layer.
# `make help` lists the targets and variables. The build logic lives in build-scripts/*.ts.

ARCH       ?= x86_64
LAYER_NAME ?= wait-for-init
# tsx (from node_modules) runs the TypeScript scripts. The repo is CommonJS, so tsx's require hook
# is enough and starts fastest; the full `--import tsx` adds an ESM loader thread (~0.2 s per call),
# needed only when NODE_OPTIONS brings an ESM loader, which loads the entry point as ESM (tap does).
RUN_TS     := node $(if $(findstring --import,$(NODE_OPTIONS))$(findstring -loader,$(NODE_OPTIONS)),--import tsx,--require tsx/cjs)

# Build and publish knobs read by build-scripts/config.ts and publish-settings.ts; exported so
# `make layer ZIP_LEVEL=6` reaches the scripts.
export ARCH LAYER_NAME NODE_VERSION SEA_EXEC_ARGV SEA_EXEC_ARGV_EXTENSION SEA_USE_CODE_CACHE \
       SEA_USE_SNAPSHOT STRIP ZIP_LEVEL WAIT_FOR_INIT_CACHE NODE_PINS_FILE \
       S3_BUCKET S3_PREFIX PUBLIC ORG_ID PRINCIPAL COMPATIBLE_RUNTIMES MAX_DIRECT_UPLOAD_BYTES AWS_CLI \
       ALLOW_DIRTY RELEASE_TAG \
       REGIONS SIGNING_PROFILE SIGNING_TIMEOUT PUBLISH_CONCURRENCY PUBLISH_RECORD

.DEFAULT_GOAL := layer
.PHONY: layer layers client-package test test-native clean clean-cache help run-local bench soak publish publish-all test-deps
.PHONY: release github-release github-release-check

# npm ci only when node_modules is missing or older than package-lock.json.
node_modules/.package-lock.json: package-lock.json
	npm ci
	@touch $@

layer: node_modules/.package-lock.json dist/.client-package.stamp ## Build dist/wait-for-init-ARCH.zip and its tree (no-op when inputs are unchanged), and the client tarball
	$(RUN_TS) build-scripts/build.ts --arch $(ARCH)

client-package: node_modules/.package-lock.json ## Pack the Node client as dist/wait-for-init-VERSION.tgz (npm install it for bundled functions)
	$(RUN_TS) build-scripts/client-package.ts

# npm pack costs ~0.3 s: only when the client's inputs changed, so an unchanged `make layer` stays a no-op.
CLIENT_PACKAGE_INPUTS := $(wildcard protocol/*.ts client/src/*.ts client/types/*.ts client/README.md client/build.ts) \
                         package.json LICENSE build-scripts/client-package.ts build-scripts/layer.ts
dist/.client-package.stamp: node_modules/.package-lock.json $(CLIENT_PACKAGE_INPUTS)
	$(RUN_TS) build-scripts/client-package.ts
	@touch $@

layers: node_modules/.package-lock.json ## Build both architectures
	$(RUN_TS) build-scripts/build.ts --arch x86_64
	$(RUN_TS) build-scripts/build.ts --arch arm64

test: layer ## Build the layer, type-check the project (client/types included), then run every tap test (npm test)
	npm test

# The tests that run the built SEA, against the layer of this machine's architecture: on an arm64
# machine (CI's ubuntu-24.04-arm) the arm64 binary runs natively (docs/development.md, Native tests).
NATIVE_ARCH  = $(shell node -p "process.arch === 'arm64' ? 'arm64' : 'x86_64'")
NATIVE_TESTS := test/integration test/hardening test/workflows test/build/arm64.test.ts
test-native: node_modules/.package-lock.json ## Build the layer for this machine's architecture and run the tests that execute its binary
	$(MAKE) layer ARCH=$(NATIVE_ARCH)
	WFI_TEST_ARCH=$(NATIVE_ARCH) npx tap $(NATIVE_TESTS)

run-local: layer ## Run the built layer in the local Lambda sandbox
	$(RUN_TS) test/sandbox/run-local.ts

bench: layer ## Benchmark the built layer against the floor (plain script on the same Node) and the reference extension
	$(RUN_TS) bench/bench.ts

soak: layer ## Long-running soak test of the built layer
	$(RUN_TS) test/soak/soak.ts

publish: node_modules/.package-lock.json ## Publish dist/wait-for-init-ARCH.zip to every region in REGIONS (default: the CLI's); skips what is already there
	$(RUN_TS) build-scripts/publish/publish.ts --arch $(ARCH)

publish-all: node_modules/.package-lock.json ## Publish both architectures to every region in REGIONS (both zips must be built)
	$(RUN_TS) build-scripts/publish/publish.ts --arch x86_64 --arch arm64

release: node_modules/.package-lock.json ## Build both architectures from a clean tree into dist/release/: versioned zips, SBOMs, client tarball, SHA256SUMS
	$(RUN_TS) build-scripts/release/release.ts

github-release: node_modules/.package-lock.json ## Publish dist/release/ as the GitHub release of RELEASE_TAG with the gh CLI (CI's release workflow)
	$(RUN_TS) build-scripts/release/github-release.ts

github-release-check: node_modules/.package-lock.json ## Check that dist/release/ holds the files of RELEASE_TAG's GitHub release (same SHA256SUMS)
	$(RUN_TS) build-scripts/release/github-release.ts --check

test-deps: ## Install optional Debian tools some tests use (qemu + arm64 libs, AWS CLI v2, valgrind)
	apt-get update -qq
	apt-get install -y -qq qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross libgcc-s1-arm64-cross valgrind \
	  $$(apt-cache show awscli >/dev/null 2>&1 && echo awscli) # only where the distribution packages it (Ubuntu 24.04 does not; its GitHub images ship AWS CLI v2)

clean: ## Remove dist/ (the Node download cache survives)
	rm -rf dist

clean-cache: ## Remove the cached Node downloads (WAIT_FOR_INIT_CACHE, default ~/.cache/wait-for-init)
	rm -rf "$${WAIT_FOR_INIT_CACHE:-$${XDG_CACHE_HOME:-$$HOME/.cache}/wait-for-init}"

help: ## List targets and variables
	@echo "Targets:"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## (.*)/\1|\2/' | awk -F'|' '{ printf "  %-20s %s\n", $$1, $$2 }'
	@echo
	@echo "Variables (make VAR=value ...):"
	@echo "  ARCH=x86_64|arm64            architecture to build/publish (default x86_64)"
	@echo "  NODE_VERSION=24.21.0         embedded Node, one pinned in build-scripts/node-pins.json"
	@echo "  ZIP_LEVEL=0..9               deflate level of the layer zip (default 9)"
	@echo "  STRIP=1|0                    strip the Node binary before injection (default 1)"
	@echo "  SEA_EXEC_ARGV='--flag ...'   Node/V8 flags baked into the SEA (default --min-semi-space-size=2; '[]' for none)"
	@echo "  SEA_EXEC_ARGV_EXTENSION=none NODE_OPTIONS handling: none (default), env, cli"
	@echo "  SEA_USE_CODE_CACHE=0|1       V8 code cache in the blob (native builds only)"
	@echo "  SEA_USE_SNAPSHOT=0|1         startup snapshot (native builds only; needs a snapshot entry)"
	@echo "  WAIT_FOR_INIT_CACHE=DIR      Node download cache (default ~/.cache/wait-for-init)"
	@echo "  LAYER_NAME=wait-for-init     layer name for publish"
	@echo "  AWS_PROFILE, AWS_REGION      AWS CLI profile and region for publish"
	@echo "  REGIONS='eu-west-1 us-east-1'  regions to publish to, space- or comma-separated (default: the CLI's region)"
	@echo "  AWS_ENDPOINT_URL=URL         passed to the AWS CLI as --endpoint-url"
	@echo "  S3_BUCKET, S3_PREFIX         bucket for signing and for zips above MAX_DIRECT_UPLOAD_BYTES (50 MiB); {region} in the name: one per region"
	@echo "  SIGNING_PROFILE=name         sign with this AWS Signer profile (AWSLambda-SHA384-ECDSA) before publishing; needs S3_BUCKET, versioned"
	@echo "  SIGNING_TIMEOUT=300          seconds a signing job may take"
	@echo "  PUBLISH_CONCURRENCY=4        regions published at the same time"
	@echo "  PUBLISH_RECORD=FILE.json     the record of published ARNs (default dist/published.json; .md beside it)"
	@echo "  PUBLIC=1 | ORG_ID=o-... | PRINCIPAL=123456789012   grant lambda:GetLayerVersion after publishing"
	@echo "  COMPATIBLE_RUNTIMES='...'    override the runtime list (max 15)"
	@echo "  AWS_CLI=path                 AWS CLI executable (default aws)"
	@echo "  ALLOW_DIRTY=1                make release from a checkout with uncommitted changes"
	@echo "  RELEASE_TAG=vX.Y.Z           the tag being released: must name package.json's version"
