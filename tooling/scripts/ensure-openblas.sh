#!/usr/bin/env bash
# bench:speed compares with Debian's PyTorch, which calls whatever libblas.so.3 points at. Debian's default is the
# unoptimised reference (netlib) BLAS, several times slower than the MKL or OpenBLAS a pip or conda user gets, so
# the benchmark refuses to print a ratio against it. This installs OpenBLAS (the alternatives system then points
# libblas.so.3 at it) when it is missing and this is a root shell on Debian/Ubuntu; otherwise it says what to do.
# It never fails the benchmark: without torch or OpenBLAS the benchmark prints our figures alone.
set -uo pipefail
if ! /usr/bin/env python3 -c 'import torch' >/dev/null 2>&1 && ! /usr/bin/python3 -c 'import torch' >/dev/null 2>&1; then
  echo "ensure-openblas: no python3 with torch (Debian: apt-get install python3-torch); ours alone" >&2
  exit 0
fi
if ls /usr/lib/*/openblas*/libblas.so.3 >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-openblas: installing OpenBLAS for PyTorch's BLAS (apt-get install libopenblas0-pthread)" >&2
  apt-get -o DPkg::Lock::Timeout=900 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq libopenblas0-pthread >/dev/null
  exit 0
fi
echo "ensure-openblas: PyTorch would use the reference BLAS; install OpenBLAS (sudo apt-get install libopenblas0-pthread)" >&2
exit 0
