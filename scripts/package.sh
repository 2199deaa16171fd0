#!/usr/bin/env bash
# Builds the DEB and RPM packages of kubeha-agent and kubeha (CLI + `kubeha serve`) into
# artifacts/packages/:
#   kubeha-agent_<version>_amd64.deb  kubeha-agent-<version>-1.x86_64.rpm
#   kubeha_<version>_amd64.deb        kubeha-<version>-1.x86_64.rpm
# Each program is published once, self-contained for linux-x64 (no .NET runtime on the
# nodes), and the same files go into both formats. The version comes from VersionPrefix in
# Directory.Build.props. Files and units: packaging/ (see packaging/README.md).
#
# usage: scripts/package.sh [--version V] [--only agent|kubeha] [--format deb|rpm|all] [--out DIR] [--reuse-publish]
#   --version V       build as version V (digits and dots) instead of Directory.Build.props'
#   --only NAME       one package instead of both
#   --format F        one format instead of both
#   --out DIR         where the packages go (default artifacts/packages)
#   --reuse-publish   package what the last run published for this version (packaging work only)
# Environment: KUBEHA_PKG_COMPRESS=gzip (default, fast) or xz (smaller, much slower);
# KUBEHA_PKG_MAINTAINER="Name <address>" for the package metadata.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

usage() { sed -n '/^# usage:/,/^# Environment/p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

version=$(sed -n 's:.*<VersionPrefix>\(.*\)</VersionPrefix>.*:\1:p' Directory.Build.props | head -n 1)
only=""
format=all
out=artifacts/packages
reuse_publish=0
while (($# > 0)); do
  case $1 in
    --version) version=${2:?--version needs a value}; shift 2 ;;
    --only) only=${2:?--only needs agent or kubeha}; shift 2 ;;
    --format) format=${2:?--format needs deb, rpm or all}; shift 2 ;;
    --out) out=${2:?--out needs a directory}; shift 2 ;;
    --reuse-publish) reuse_publish=1; shift ;;
    -h|--help) usage ;;
    *) echo "package: unknown argument '$1'" >&2; usage ;;
  esac
done
[[ $version =~ ^[0-9]+(\.[0-9]+)*$ ]] || { echo "package: version '$version' must be digits and dots (Directory.Build.props VersionPrefix or --version)" >&2; exit 2; }
[[ -z $only || $only == agent || $only == kubeha ]] || { echo "package: --only takes agent or kubeha, not '$only'" >&2; exit 2; }
[[ $format == deb || $format == rpm || $format == all ]] || { echo "package: --format takes deb, rpm or all, not '$format'" >&2; exit 2; }
compress=${KUBEHA_PKG_COMPRESS:-gzip}
case $compress in
  gzip) deb_z=(-Zgzip -z6); rpm_payload=w6.gzdio ;;
  xz) deb_z=(-Zxz -z6); rpm_payload=w6T.xzdio ;;
  *) echo "package: KUBEHA_PKG_COMPRESS must be gzip or xz, not '$compress'" >&2; exit 2 ;;
esac
maintainer=${KUBEHA_PKG_MAINTAINER:-KubeHa maintainers <kubeha@example.org>}

for tool in dotnet dpkg-deb rpmbuild gzip; do
  command -v "$tool" >/dev/null || { echo "package: '$tool' not found; run scripts/deps.sh (as root) first" >&2; exit 2; }
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# Reproducible timestamps: the last commit's time unless the caller sets one.
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$repo/artifacts/pkg-work/$version
total_start=$(date +%s)

timed() { # label, command...
  local label=$1 t0; shift
  t0=$(date +%s)
  "$@"
  echo "package: $label: $(( $(date +%s) - t0 )) s" >&2
}

# App table: name, project, publish subdirectory under /usr/lib/kubeha, program, unit.
declare -A project=([agent]=src/Agent/KubeHa.Agent.csproj [kubeha]=src/Coordinator/KubeHa.Cli/KubeHa.Cli.csproj)
declare -A pkgname=([agent]=kubeha-agent [kubeha]=kubeha)
declare -A libdir=([agent]=agent [kubeha]=kubeha)
declare -A summary=(
  [agent]="node agent of KubeHa, which makes kubeadm clusters highly available"
  [kubeha]="coordinator of KubeHa, which makes kubeadm clusters highly available")
declare -A description=(
  [agent]=" kubeha-agent runs on every node of a kubeadm cluster that KubeHa converts to a
 highly available control plane. It accepts typed, idempotent, reversible steps
 from the KubeHa coordinator over gRPC with mutual TLS.
 .
 Self-contained .NET build: no .NET runtime is needed on the node."
  [kubeha]=" kubeha plans and runs the conversion of a single-master kubeadm cluster to a
 highly available one across the KubeHa agents; kubeha serve (kubeha.service)
 collects drift reports and runs cluster checks.
 .
 Self-contained .NET build: no .NET runtime is needed.")

publish() { # app
  local app=$1 dir=$work/publish/$1
  if ((reuse_publish)) && [[ -x $dir/${pkgname[$app]} ]]; then
    echo "package: reusing $dir" >&2
    return 0
  fi
  rm -rf "$dir"
  # A separate artifacts path keeps this RID-specific build away from the normal build's obj/.
  dotnet publish "${project[$app]}" -c Release -r linux-x64 --self-contained true \
    --artifacts-path "$repo/artifacts/pkg-build" -o "$dir" -nologo -v quiet -clp:ErrorsOnly \
    -p:VersionPrefix="$version" -p:VersionSuffix= -p:ContinuousIntegrationBuild=true
  # LTTng tracing support: needs liblttng-ust, which nodes do not have and the agent does not
  # use; without it the runtime simply does not emit LTTng events.
  rm -f "$dir/libcoreclrtraceptprovider.so"
  rm -f "$dir"/*.staticwebassets.endpoints.json
  # Microsoft's libraries come stripped; SQLite's (libe_sqlite3.so, from NuGet) does not.
  local so
  for so in "$dir"/*.so; do
    if readelf -S "$so" | grep -q '\.symtab'; then strip --strip-unneeded "$so"; fi
  done
}

stage() { # app, unit directory inside the package (lib/systemd/system or usr/lib/systemd/system), stage dir
  local app=$1 unitdir=$2 root=$3 name=${pkgname[$1]}
  rm -rf "$root"
  install -d -m 0755 "$root/usr/lib/kubeha" "$root/usr/bin" "$root/$unitdir" "$root/usr/share/doc/$name"
  cp -a "$work/publish/$app" "$root/usr/lib/kubeha/${libdir[$app]}"
  # dotnet publish leaves every file executable: only the program and createdump are.
  find "$root/usr/lib/kubeha" -type d -exec chmod 0755 {} +
  find "$root/usr/lib/kubeha" -type f -exec chmod 0644 {} +
  chmod 0755 "$root/usr/lib/kubeha/${libdir[$app]}/$name" "$root/usr/lib/kubeha/${libdir[$app]}/createdump"
  ln -s "../lib/kubeha/${libdir[$app]}/$name" "$root/usr/bin/$name"
  install -m 0644 "packaging/systemd/$name.service" "$root/$unitdir/$name.service"
  install -m 0644 packaging/doc/copyright "$root/usr/share/doc/$name/copyright"
  install -m 0644 README.md "$root/usr/share/doc/$name/README.md"
  if [[ $app == agent ]]; then
    install -d -m 0755 "$root/etc/kubeha"
    install -m 0644 packaging/config/agent.yaml "$root/etc/kubeha/agent.yaml"
  fi
}

build_deb() { # app
  local app=$1 name=${pkgname[$1]} root=$work/deb/$1
  stage "$app" lib/systemd/system "$root"
  # Native package (version without a Debian revision): the changelog is changelog.gz.
  {
    echo "$name ($version) unstable; urgency=medium"
    echo
    echo "  * KubeHa $version."
    echo
    echo " -- $maintainer  $(date -u -R -d "@$SOURCE_DATE_EPOCH")"
  } | gzip -9n > "$root/usr/share/doc/$name/changelog.gz"
  install -d -m 0755 "$root/DEBIAN" "$root/usr/share/lintian/overrides"
  sed "s/@PACKAGE@/$name/g; s/@LIBDIR@/${libdir[$app]}/g" packaging/deb/lintian-overrides > "$root/usr/share/lintian/overrides/$name"
  chmod 0644 "$root/usr/share/lintian/overrides/$name"
  install -m 0755 "packaging/deb/$name/postinst" "packaging/deb/$name/prerm" "packaging/deb/$name/postrm" "$root/DEBIAN/"
  if [[ $app == agent ]]; then
    echo /etc/kubeha/agent.yaml > "$root/DEBIAN/conffiles"
  fi
  local size
  size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
  # Runtime libraries of a self-contained .NET 10 build: glibc 2.27+, libgcc_s, libstdc++
  # (linked), OpenSSL (dlopen: libssl3t64 on Ubuntu 24.04 / Debian 13, libssl3 on Debian 12 /
  # Ubuntu 22.04, libssl1.1 on Debian 11 / Ubuntu 20.04). No libicu (InvariantGlobalization)
  # and no zlib1g (.NET 9+ links zlib-ng statically). init-system-helpers: the maintainer
  # scripts' deb-systemd-helper / deb-systemd-invoke (Debian 11 has 1.60, Ubuntu 20.04 1.57;
  # only installs into another root without chroot need 1.62+, for DPKG_ROOT).
  cat > "$root/DEBIAN/control" <<EOF
Package: $name
Version: $version
Architecture: amd64
Maintainer: $maintainer
Installed-Size: $size
Depends: libc6 (>= 2.27), libgcc-s1, libstdc++6, libssl3t64 | libssl3 | libssl1.1, init-system-helpers (>= 1.54~)
Section: admin
Priority: optional
Description: ${summary[$app]}
${description[$app]}
EOF
  dpkg-deb --root-owner-group "${deb_z[@]}" --build "$root" "$out/${name}_${version}_amd64.deb" >/dev/null
  echo "package: $out/${name}_${version}_amd64.deb" >&2
}

build_rpm() { # app
  local app=$1 name=${pkgname[$1]} top=$work/rpm/$1
  rm -rf "$top"
  mkdir -p "$top"/{BUILD,RPMS,SPECS,SOURCES,SRPMS,BUILDROOT}
  stage "$app" usr/lib/systemd/system "$top/stage"
  install -d -m 0700 "$top/stage/var/lib/kubeha"
  [[ $app == agent ]] && install -d -m 0700 "$top/stage/etc/kubeha/pki"
  rpmbuild -bb --quiet --target x86_64 \
    --define "_topdir $top" --define "pkgdir $repo/packaging" --define "stage $top/stage" \
    --define "pkg_version $version" --define "_binary_payload $rpm_payload" \
    --define "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm" \
    --define "use_source_date_epoch_as_buildtime 1" \
    "packaging/rpm/$name.spec" >/dev/null
  mv "$top/RPMS/$name-$version-1.x86_64.rpm" "$out/"
  echo "package: $out/$name-$version-1.x86_64.rpm" >&2
}

apps=(agent kubeha)
[[ -n $only ]] && apps=("$only")
for app in "${apps[@]}"; do
  timed "publish ${pkgname[$app]} $version (self-contained linux-x64)" publish "$app"
  if [[ $format == deb || $format == all ]]; then timed "deb ${pkgname[$app]}" build_deb "$app"; fi
  if [[ $format == rpm || $format == all ]]; then timed "rpm ${pkgname[$app]}" build_rpm "$app"; fi
done
rm -rf "$work/deb" "$work/rpm"
echo "package: done in $(( $(date +%s) - total_start )) s: $out" >&2
