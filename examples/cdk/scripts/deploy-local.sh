#!/bin/sh
# Serves the sample API locally with `sam local start-api` (needs the AWS SAM CLI and Docker).
# The stack is synthesized without staging assets, so the template's asset metadata points at
# ../../dist/layer and ../get-default, which SAM mounts directly. Arguments go to `cdk synth`
# (e.g. -c variant=esm); set SAM_ARGS for extra `sam local start-api` options.
set -eu
cd "$(dirname "$0")/.."
npx cdk synth --no-notices --no-staging --quiet "$@" WaitForInitSample
template=cdk.out/WaitForInitSample.template.json
if ! command -v sam >/dev/null 2>&1; then
  echo "deploy-local: the AWS SAM CLI (sam) is not installed; see" >&2
  echo "  https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/install-sam-cli.html" >&2
  echo "The synthesized template is $template" >&2
  exit 1
fi
# shellcheck disable=SC2086 # SAM_ARGS is meant to be split into words
exec sam local start-api -t "$template" ${SAM_ARGS:-}
