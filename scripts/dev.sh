#!/usr/bin/env bash
# Brings up the `dev` cell on this machine's Docker engine: sets the machine up, builds the images,
# generates the dev stack's secrets once, then runs `pulumi up` on the dev stack. Where no Pulumi CLI is
# installed (it cannot be installed on the project's build machines) it says so and prints the plan the
# program would apply, evaluated under the SDK's mocks, with the policy pack's verdict.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-machine.sh
bash scripts/install-node-packages.sh
bash scripts/build-images.sh

if ! command -v pulumi >/dev/null 2>&1; then
  echo
  echo "The Pulumi CLI is not installed here, so nothing was deployed. Install it and run this again;"
  echo "meanwhile this is what the dev cell declares (evaluated under the SDK's mocks):"
  node --import tsx scripts/dev-plan.ts
  echo "and what the policy pack says of it and of the prod cell:"
  node --import tsx scripts/policy-check.ts
  exit 0
fi

export PULUMI_CONFIG_PASSPHRASE=${PULUMI_CONFIG_PASSPHRASE-}
[ -n "${PULUMI_BACKEND_URL:-}" ] || pulumi login --local >/dev/null
pulumi stack select dev --create >/dev/null
secret() { # key value: set once, never overwrite what an operator set
  pulumi config get "instantworker:$1" >/dev/null 2>&1 || pulumi config set --secret "instantworker:$1" "$2"
}
rand() { head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
secret modelKeySecret "$(rand)"
secret modelGatewayMasterKey "sk-$(rand)"
secret modelDbPassword "$(rand)"
secret ticketSecret "$(rand)"
# Placeholders: the dev cell runs without real provider keys; set yours to talk to real models.
secret anthropicApiKey "dev-placeholder-$(rand)"
secret googleApiKey "dev-placeholder-$(rand)"
pulumi up --stack dev --yes --policy-pack policy
