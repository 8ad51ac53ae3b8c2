#!/bin/sh
# Adds the InstantWorker stylesheet to the OpenClaw control UI found in $1. The link goes last in
# <head> so its rules win over OpenClaw's; the file is served from the UI's own origin, which the UI's
# content security policy already allows. Fails the build when the UI layout it expects has moved.
set -eu
ui="$1"
[ -f "$ui/index.html" ] || { echo "inject-branding: no control UI at \`$ui\`" >&2; exit 1; }
grep -q '</head>' "$ui/index.html" || { echo "inject-branding: \`$ui/index.html\` has no </head>" >&2; exit 1; }
cp "$(dirname "$0")/branding.css" "$ui/instantworker-branding.css"
sed -i 's#</head>#  <link rel="stylesheet" href="./instantworker-branding.css" data-instantworker-branding />\n  </head>#' \
  "$ui/index.html"
sed -i 's#<title>OpenClaw Control</title>#<title>InstantWorker</title>#' "$ui/index.html"
grep -q 'data-instantworker-branding' "$ui/index.html"
