#!/usr/bin/env bash
# The Python reference evaluator's test (packages/core/python/mdn_model.py against HostModel) runs Debian's
# python3 with numpy, never a package from PyPI. Installs python3-numpy with apt when it is missing and this is a
# root shell on Debian/Ubuntu; otherwise says so (the test is then skipped, with its reason).
set -euo pipefail
if /usr/bin/python3 -c 'import numpy' >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-python-numpy: installing Debian's python3-numpy for the Python evaluator's test (apt-get)" >&2
  apt-get -o DPkg::Lock::Timeout=900 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq python3-numpy >/dev/null
  exit 0
fi
echo "ensure-python-numpy: /usr/bin/python3 with numpy is missing (Debian/Ubuntu: sudo apt-get install -y python3-numpy);" >&2
echo "the Python evaluator's test will be skipped." >&2
