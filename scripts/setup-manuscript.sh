#!/usr/bin/env bash
# What the manuscript exports' tests need beyond scripts/setup.sh: LibreOffice Writer (headless),
# which tests/manuscript.rs (docx_opens_in_libreoffice) uses to convert the Word export to PDF and
# text. Installs only what is missing and says so. The product itself never needs LibreOffice.
set -euo pipefail
if command -v soffice >/dev/null 2>&1; then
  echo "setup-manuscript: LibreOffice present ($(soffice --version 2>/dev/null | head -1))"
  exit 0
fi
echo "setup-manuscript: installing Debian's libreoffice-writer-nogui (about 84 MB) for the Word export's test"
sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
$sudo apt-get update -qq
$sudo apt-get install -y --no-install-recommends libreoffice-writer-nogui
soffice --version | head -1
