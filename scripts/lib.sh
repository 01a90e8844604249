# Shared helpers for the harness scripts (sourced, not executed).
# shellcheck shell=bash

say() { printf '%s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

repo_root() { cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd; }

is_root() { [ "$(id -u)" -eq 0 ]; }
is_debian() { [ -r /etc/debian_version ] && command -v apt-get >/dev/null 2>&1; }

# apt-get install for the harness; refreshes the package lists once per run.
apt_install() {
  is_root && is_debian || die "need $* but cannot install it (not root on Debian); install it and retry"
  if [ -z "${_apt_updated:-}" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || die "apt-get update failed"
    _apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
    || die "apt-get install $* failed"
}

# Content hash of files (paths relative to the repo root), short form.
content_hash() {
  (cd "$(repo_root)" && sha256sum "$@" | sha256sum | cut -c1-12)
}

# The Debian mirror this machine's own apt sources use for a suite (never a hard-coded host).
debian_mirror() {
  local suite=$1 uri
  uri=$(apt-get indextargets --no-release-info --format '$(REPO_URI) $(RELEASE)' 'Identifier: Packages' 2>/dev/null \
    | awk -v s="$suite" '$2 == s { print $1; exit }')
  [ -n "$uri" ] || die "no apt source for Debian '$suite' on this machine (apt-get indextargets); add one to /etc/apt/sources.list.d and retry"
  printf '%s\n' "${uri%/}"
}
