#!/usr/bin/env bash
# Builds yolo-native's static, position-independent imaging stack for one target into a cache directory outside the
# repo, and prints that directory on stdout (everything else goes to stderr):
#
#   scripts/build-deps.sh <x64|arm64>
#
#   zlib, libjpeg-turbo (SIMD), libpng, libwebp, libtiff (JPEG + zlib compression only), a minimal FFmpeg
#   (decoders and demuxers for common video files; see FFMPEG_* below) and OpenCV 4.6 (core, imgproc, imgcodecs,
#   videoio with FFmpeg built in) as static .a files, from Debian bookworm's *source* packages (apt-get source,
#   unpacked with dpkg-source so Debian's patches apply), compiled against the glibc of Debian bullseye (2.31) from a
#   private sysroot so the addon runs on Ubuntu 20.04 / JetPack 5 and later.
#
# Cache: ${YOLO_NATIVE_DEPS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/yolo-native/deps/<arch>-<hash>}, where <hash> covers
# this script, the toolchain file and the compiler; a run with unchanged inputs only prints the directory. Source
# packages and the sysroot are kept in ${YOLO_NATIVE_DEPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/yolo-native}/{src,sysroot}.
# An interrupted build resumes at the stage it stopped in (stamps/ in the target directory).
#
# As root, missing build tools are installed with apt, and a deb-src entry is added in its own file
# (/etc/apt/sources.list.d/yolo-native-deb-src.sources, a copy of the system's Debian entries with Types: deb-src).
# Environment: YOLO_NATIVE_DEPS_DIR (the output directory), YOLO_NATIVE_DEPS_CACHE (sources and sysroots),
# YOLO_NATIVE_GLIBC=host (build against the host's glibc instead of bullseye's), JOBS (default: nproc).
set -euo pipefail

ARCH="${1:-}"
case "$ARCH" in x64|arm64) ;; *) echo "usage: $0 <x64|arm64>" >&2; exit 2 ;; esac
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
TOOLCHAIN="$ROOT/cmake/toolchains/linux-gnu.cmake"
JOBS="${JOBS:-$(nproc)}"
GLIBC_MODE="${YOLO_NATIVE_GLIBC:-bullseye}"
log() { echo "build-deps[$ARCH]: $*" >&2; }

if [ "$ARCH" = arm64 ]; then
  TRIPLE=aarch64-linux-gnu DEBARCH=arm64 CROSS_PREFIX=aarch64-linux-gnu-
else
  TRIPLE=x86_64-linux-gnu DEBARCH=amd64 CROSS_PREFIX=
fi
CC="${CROSS_PREFIX}gcc" CXX="${CROSS_PREFIX}g++"

# ---- tools (as root: apt) ---------------------------------------------------------------------------------------
need=()
for p in build-essential cmake nasm pkg-config dpkg-dev xz-utils; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
[ "$ARCH" = arm64 ] && { dpkg -s g++-aarch64-linux-gnu >/dev/null 2>&1 || need+=(g++-aarch64-linux-gnu); }
SRC_LIST=/etc/apt/sources.list.d/yolo-native-deb-src.sources
have_deb_src() { grep -rqsE '^(deb-src|Types:.*deb-src)' /etc/apt/sources.list /etc/apt/sources.list.d/; }
if [ ${#need[@]} -gt 0 ] || ! have_deb_src; then
  if [ "$(id -u)" != 0 ]; then
    have_deb_src || log "no deb-src entry for Debian's archive (needed by apt-get source): add one, or run as root"
    [ ${#need[@]} -gt 0 ] && { log "missing packages: ${need[*]} (run as root, or install them)"; exit 1; }
  else
    if ! have_deb_src; then
      [ -f /etc/apt/sources.list.d/debian.sources ] || { log "no /etc/apt/sources.list.d/debian.sources to copy a deb-src entry from"; exit 1; }
      sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > "$SRC_LIST"
      log "added $SRC_LIST"
    fi
    log "apt: installing ${need[*]:-nothing} (and updating the package lists)"
    apt-get update -qq >&2
    [ ${#need[@]} -gt 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
  fi
fi

# ---- where ------------------------------------------------------------------------------------------------------
CACHE_ROOT="${YOLO_NATIVE_DEPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/yolo-native}"
# The hash ignores comment lines, so documentation edits do not rebuild the stack.
HASH="$( { grep -hv '^[[:space:]]*#' "$0" "$TOOLCHAIN"; echo "$ARCH $GLIBC_MODE"; "$CXX" --version | head -1; } | sha256sum | cut -c1-12)"
OUT="${YOLO_NATIVE_DEPS_DIR:-$CACHE_ROOT/deps/$ARCH-$HASH}"
if [ -f "$OUT/.complete" ] && [ "$(cat "$OUT/.complete")" = "$HASH" ]; then
  log "up to date"
  echo "$OUT"
  exit 0
fi
SRC="$CACHE_ROOT/src"
PREFIX="$OUT"
BUILD="$OUT/build"
STAMPS="$OUT/stamps"
mkdir -p "$SRC" "$BUILD" "$STAMPS" "$PREFIX/lib" "$PREFIX/include"
# An output directory from other inputs (YOLO_NATIVE_DEPS_DIR reused) starts over.
# (YOLO_NATIVE_DEPS_KEEP_STAGES=1, for work on this script: keep the stages already built.)
if [ -f "$OUT/.inputs" ] && [ "$(cat "$OUT/.inputs")" != "$HASH" ] && [ "${YOLO_NATIVE_DEPS_KEEP_STAGES:-0}" != 1 ]; then
  log "inputs changed: rebuilding $OUT"
  rm -rf "$BUILD" "$STAMPS" "$PREFIX/lib" "$PREFIX/include"
  mkdir -p "$BUILD" "$STAMPS" "$PREFIX/lib" "$PREFIX/include"
fi
rm -f "$OUT/.complete"
echo "$HASH" > "$OUT/.inputs"
log "output: $OUT"
T0=$(date +%s)
stage_done() { [ -f "$STAMPS/$1" ]; }
stage_ok() { echo "$(( $(date +%s) - T0 ))" > "$STAMPS/$1"; log "$1 done ($(( $(date +%s) - T0 )) s so far)"; }

# ---- sysroot: bullseye's glibc 2.31 headers and libraries ---------------------------------------------------------
SYSROOT=""
if [ "$GLIBC_MODE" != host ]; then
  SYSROOT="$CACHE_ROOT/sysroot/$GLIBC_MODE-$DEBARCH-r3"
  if [ ! -f "$SYSROOT/.complete" ]; then
    log "sysroot: glibc of Debian $GLIBC_MODE ($DEBARCH) into $SYSROOT"
    rm -rf "$SYSROOT"; mkdir -p "$SYSROOT"
    apt_dir="$CACHE_ROOT/sysroot/apt-$GLIBC_MODE-$DEBARCH"
    rm -rf "$apt_dir"; mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$apt_dir/debs"
    # The same archive as the system's own Debian entries, another suite; only this private apt state sees it.
    uri="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)"
    [ -n "$uri" ] || uri="$(awk '$1 == "deb" && $0 !~ /security/ {for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) {print $i; exit}}' /etc/apt/sources.list 2>/dev/null || true)"
    [ -n "$uri" ] || { log "cannot tell the Debian archive's address from /etc/apt"; exit 1; }
    echo "deb [arch=$DEBARCH] $uri $GLIBC_MODE main" > "$apt_dir/sources.list"
    apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
      -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir" -o "APT::Architecture=$DEBARCH"
      -o "APT::Architectures=$DEBARCH" -o "Dir::State::status=$apt_dir/status" -o Debug::NoLocking=1)
    : > "$apt_dir/status"
    apt-get "${apt_opts[@]}" update -qq >&2
    (cd "$apt_dir/debs" && apt-get "${apt_opts[@]}" download libc6 libc6-dev linux-libc-dev libcrypt1 libcrypt-dev >&2)
    for deb in "$apt_dir"/debs/*.deb; do dpkg-deb -x "$deb" "$SYSROOT"; done
    # Absolute symbolic links (/lib64/ld-linux-x86-64.so.2, libc6-dev's lib*.so) would point into the build
    # machine's own glibc: point them into the sysroot.
    find "$SYSROOT" -type l | while read -r link; do
      target="$(readlink "$link")"
      case "$target" in /*) ln -sfn "$SYSROOT$target" "$link" ;; esac
    done
    dpkg-deb -f "$(ls "$apt_dir"/debs/libc6_*.deb)" Version > "$SYSROOT/.glibc-version"
    # Compiler wrappers that see only the sysroot's C library. GCC's own search paths (relative to its install
    # prefix, not to --sysroot) would otherwise find bookworm's glibc 2.36 first: its libraries for the host compiler,
    # its headers and libraries in /usr/aarch64-linux-gnu for the cross compiler. So the sysroot's headers (cross)
    # and libraries and start files (both) are named explicitly; GCC's own headers, libstdc++ and libgcc stay the
    # compiler's. --allow-shlib-undefined: bookworm's libgcc_s.so.1 wants glibc 2.35 (_dl_find_object); only test
    # executables at configure time link it, the .node itself uses the target's libgcc_s.so.1.
    mkdir -p "$SYSROOT/bin"
    libdir="$SYSROOT/usr/lib/$TRIPLE"
    for tool in gcc g++; do
      w="$SYSROOT/bin/$TRIPLE-$tool"
      inc=""
      if [ "$ARCH" = arm64 ]; then
        if [ "$tool" = g++ ]; then
          gxx_ver="$("${CROSS_PREFIX}g++" -dumpversion)"
          gxx_dir="$(echo | "${CROSS_PREFIX}g++" -x c++ -E -v - 2>&1 | awk -v v="/c++/$gxx_ver" 'substr($1, length($1) - length(v) + 1) == v {print $1; exit}')"
          gxx_dir="$(cd "$gxx_dir" && pwd)"
          inc="-isystem $gxx_dir -isystem $gxx_dir/$TRIPLE -isystem $gxx_dir/backward "
        fi
        inc="-nostdinc $inc-isystem $("${CROSS_PREFIX}gcc" -print-file-name=include) -isystem $SYSROOT/usr/include/$TRIPLE -isystem $SYSROOT/usr/include "
      fi
      printf '#!/bin/sh\nexec %s --sysroot=%s %s-B%s -L%s -L%s/lib/%s -Wl,--allow-shlib-undefined "$@"\n' \
        "$(command -v "${CROSS_PREFIX}$tool")" "$SYSROOT" "$inc" "$libdir" "$libdir" "$SYSROOT" "$TRIPLE" > "$w"
      chmod +x "$w"
    done
    # GCC 12's static libstdc++ was compiled against glibc 2.36 and references two symbols that 2.31 lacks; they are
    # defined here, hidden (private to each .node / executable), and linked wherever libc is (libc.so's GROUP).
    cat > "$SYSROOT/glibc-compat.c" <<'CEOF'
/* For GCC 12's libstdc++.a on glibc 2.31 (scripts/build-deps.sh). */
#include <stdint.h>
#include <sys/random.h>
/* 0 = "the process may be multi-threaded": libstdc++ then always uses atomic reference counts (always correct). */
__attribute__((visibility("hidden"))) char __libc_single_threaded = 0;
/* std::random_device's default source on glibc >= 2.36. */
__attribute__((visibility("hidden"))) uint32_t arc4random(void) {
  uint32_t v;
  while (getrandom(&v, sizeof v, 0) != (long)sizeof v) {}
  return v;
}
CEOF
    "$SYSROOT/bin/$TRIPLE-gcc" -O2 -fPIC -c "$SYSROOT/glibc-compat.c" -o "$SYSROOT/glibc-compat.o"
    "${CROSS_PREFIX}ar" rcs "$libdir/libyolo_glibc_compat.a" "$SYSROOT/glibc-compat.o"
    sed -i "s#libc_nonshared.a#libc_nonshared.a /usr/lib/$TRIPLE/libyolo_glibc_compat.a#" "$libdir/libc.so"
    grep -q libyolo_glibc_compat "$libdir/libc.so" || { log "could not add the compat library to $libdir/libc.so"; exit 1; }
    touch "$SYSROOT/.complete"
  fi
  log "sysroot: glibc $(cat "$SYSROOT/.glibc-version")"
fi
export YOLO_NATIVE_ARCH="$ARCH" YOLO_NATIVE_SYSROOT="$SYSROOT"
[ -n "$SYSROOT" ] && CC="$SYSROOT/bin/$TRIPLE-gcc" CXX="$SYSROOT/bin/$TRIPLE-g++"

OPT_FLAGS="-O2 -fPIC -ffunction-sections -fdata-sections"
export CFLAGS="$OPT_FLAGS" CXXFLAGS="$OPT_FLAGS" LDFLAGS=""
export PKG_CONFIG_LIBDIR="$PREFIX/lib/pkgconfig" PKG_CONFIG_PATH=""
CMAKE_COMMON=(-G "Unix Makefiles" -DCMAKE_TOOLCHAIN_FILE="$TOOLCHAIN" -DYOLO_NATIVE_ARCH="$ARCH"
  -DYOLO_NATIVE_SYSROOT="$SYSROOT" -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$PREFIX"
  -DCMAKE_INSTALL_LIBDIR="$PREFIX/lib" -DCMAKE_INSTALL_INCLUDEDIR="$PREFIX/include" -DCMAKE_PREFIX_PATH="$PREFIX" -DCMAKE_POSITION_INDEPENDENT_CODE=ON
  -DBUILD_SHARED_LIBS=OFF -DCMAKE_C_FLAGS="$OPT_FLAGS" -DCMAKE_CXX_FLAGS="$OPT_FLAGS")

# ---- sources: Debian's source packages, with Debian's patches applied ---------------------------------------------
# $1 = source package; prints the unpacked directory.
source_dir() {
  local pkg="$1" dsc dir
  dsc="$(ls -t "$SRC/$pkg"/*.dsc 2>/dev/null | head -1 || true)"
  if [ -z "$dsc" ]; then
    mkdir -p "$SRC/$pkg"
    # The newest version whose files the archive still serves (a security suite's index can name files its pool
    # no longer has).
    local v
    for v in $(apt-cache showsrc "$pkg" | awk '/^Version:/ {print $2}' | sort -u -r -V); do
      log "apt-get source $pkg=$v"
      if (cd "$SRC/$pkg" && apt-get source --download-only -qq "$pkg=$v" >&2); then break; fi
      rm -f "$SRC/$pkg"/*
    done
    dsc="$(ls -t "$SRC/$pkg"/*.dsc 2>/dev/null | head -1 || true)"
    [ -n "$dsc" ] || { log "could not download the source package $pkg"; exit 1; }
  fi
  dir="${dsc%.dsc}.src"
  if [ ! -f "$dir/.unpacked" ]; then
    rm -rf "$dir"
    dpkg-source --no-check -x "$dsc" "$dir" >&2
    touch "$dir/.unpacked"
  fi
  echo "$dir"
}
# Debian version of an unpacked source tree.
src_version() { basename "$1" .src | sed 's/^[^_]*_//'; }

cmake_build() {  # $1 = name, $2 = source dir, rest = cmake options
  local name="$1" src="$2"; shift 2
  rm -rf "$BUILD/$name"
  cmake -S "$src" -B "$BUILD/$name" "${CMAKE_COMMON[@]}" "$@" >"$BUILD/$name.configure.log" 2>&1 ||
    { tail -40 "$BUILD/$name.configure.log" >&2; exit 1; }
  cmake --build "$BUILD/$name" -j"$JOBS" ${CMAKE_TARGET:+--target "$CMAKE_TARGET"} >"$BUILD/$name.build.log" 2>&1 ||
    { tail -40 "$BUILD/$name.build.log" >&2; exit 1; }
  [ -n "${CMAKE_TARGET:-}" ] || cmake --install "$BUILD/$name" >"$BUILD/$name.install.log" 2>&1
}

VERSIONS="$OUT/versions.txt"
record() { grep -v "^$1 " "$VERSIONS" 2>/dev/null > "$VERSIONS.tmp" || true; echo "$1 $2" >> "$VERSIONS.tmp"; mv "$VERSIONS.tmp" "$VERSIONS"; }

# ---- zlib -----------------------------------------------------------------------------------------------------------
if ! stage_done zlib; then
  d="$(source_dir zlib)"; record zlib "$(src_version "$d")"
  rm -rf "$BUILD/zlib"; cp -a "$d" "$BUILD/zlib"
  (cd "$BUILD/zlib" && CC="$CC" AR="${CROSS_PREFIX}ar" RANLIB="${CROSS_PREFIX}ranlib" CFLAGS="$CFLAGS" ./configure --static --prefix="$PREFIX" >&2 &&
    make -j"$JOBS" libz.a >&2 && make install >&2) >"$BUILD/zlib.log" 2>&1 || { tail -30 "$BUILD/zlib.log" >&2; exit 1; }
  stage_ok zlib
fi
ZLIB_OPTS=(-DZLIB_ROOT="$PREFIX" -DZLIB_INCLUDE_DIR="$PREFIX/include" -DZLIB_LIBRARY="$PREFIX/lib/libz.a")

# ---- libjpeg-turbo (SIMD: nasm on x86-64, NEON on arm64), the jpeg62 API as Debian's libjpeg62-turbo ---------------
if ! stage_done libjpeg-turbo; then
  d="$(source_dir libjpeg-turbo)"; record libjpeg-turbo "$(src_version "$d")"
  cmake_build libjpeg-turbo "$d" -DENABLE_SHARED=OFF -DENABLE_STATIC=ON -DWITH_SIMD=ON -DREQUIRE_SIMD=ON \
    -DWITH_TURBOJPEG=OFF -DWITH_JAVA=OFF
  stage_ok libjpeg-turbo
fi
JPEG_OPTS=(-DJPEG_INCLUDE_DIR="$PREFIX/include" -DJPEG_LIBRARY="$PREFIX/lib/libjpeg.a" -DJPEG_LIBRARY_RELEASE="$PREFIX/lib/libjpeg.a")

# ---- libpng -------------------------------------------------------------------------------------------------------
if ! stage_done libpng; then
  d="$(source_dir libpng1.6)"; record libpng1.6 "$(src_version "$d")"
  neon=(); [ "$ARCH" = arm64 ] && neon=(-DPNG_ARM_NEON=on)
  cmake_build libpng "$d" "${ZLIB_OPTS[@]}" -DPNG_SHARED=OFF -DPNG_STATIC=ON -DPNG_TESTS=OFF -DPNG_EXECUTABLES=OFF \
    -DPNG_FRAMEWORK=OFF -Dld-version-script=OFF "${neon[@]}"
  stage_ok libpng
fi
PNG_OPTS=(-DPNG_PNG_INCLUDE_DIR="$PREFIX/include" -DPNG_LIBRARY="$PREFIX/lib/libpng16.a" -DPNG_LIBRARY_RELEASE="$PREFIX/lib/libpng16.a")

# ---- libwebp (decode; runtime SSE2/SSE4.1 dispatch on x86-64, NEON on arm64) ----------------------------------------
if ! stage_done libwebp; then
  d="$(source_dir libwebp)"; record libwebp "$(src_version "$d")"
  cmake_build libwebp "$d" -DWEBP_BUILD_ANIM_UTILS=OFF -DWEBP_BUILD_CWEBP=OFF -DWEBP_BUILD_DWEBP=OFF \
    -DWEBP_BUILD_GIF2WEBP=OFF -DWEBP_BUILD_IMG2WEBP=OFF -DWEBP_BUILD_VWEBP=OFF -DWEBP_BUILD_WEBPINFO=OFF \
    -DWEBP_BUILD_WEBPMUX=OFF -DWEBP_BUILD_EXTRAS=OFF -DWEBP_BUILD_WEBP_JS=OFF -DWEBP_USE_THREAD=ON
  stage_ok libwebp
fi

# ---- libtiff: baseline TIFF with zlib (deflate, PixarLog) and JPEG compression; LZW and PackBits are built in ------
if ! stage_done libtiff; then
  d="$(source_dir tiff)"; record tiff "$(src_version "$d")"
  # Only the library target: libtiff's helper executables trip over its own FindJPEG with a static libjpeg.
  CMAKE_TARGET=tiff cmake_build libtiff "$d" "${ZLIB_OPTS[@]}" "${JPEG_OPTS[@]}" -Dtiff-tools=OFF -Dtiff-tests=OFF \
    -Dtiff-contrib=OFF -Dtiff-docs=OFF -Dtiff-deprecated=OFF -Dcxx=OFF -Dzlib=ON -Djpeg=ON -Dold-jpeg=OFF -Djpeg12=OFF \
    -Dpixarlog=ON -Dlzma=OFF -Dzstd=OFF -Dwebp=OFF -Djbig=OFF -Dlerc=OFF -Dlibdeflate=OFF \
    -DCMAKE_DISABLE_FIND_PACKAGE_OpenGL=ON -DCMAKE_DISABLE_FIND_PACKAGE_GLUT=ON
  cp "$BUILD/libtiff/libtiff/libtiff.a" "$PREFIX/lib/"
  for h in tiff.h tiffio.h tiffvers.h tiffconf.h; do
    if [ -f "$BUILD/libtiff/libtiff/$h" ]; then cp "$BUILD/libtiff/libtiff/$h" "$PREFIX/include/"; else cp "$d/libtiff/$h" "$PREFIX/include/"; fi
  done
  stage_ok libtiff
fi

# ---- FFmpeg: decoders and demuxers only, linked into the addon (docs/packaging.md says why) ------------------------
FFMPEG_DECODERS=h264,hevc,mpeg4,h263,mpeg1video,mpeg2video,mjpeg,vp8,vp9,ffv1,gif,theora,msmpeg4v1,msmpeg4v2,msmpeg4v3,wmv1,wmv2,wmv3,vc1,flv,rawvideo,png,prores,dnxhd
FFMPEG_DEMUXERS=mov,matroska,avi,mpegts,mpegps,flv,asf,ogg,gif,h264,hevc,m4v,mjpeg,mpegvideo,rawvideo,mpjpeg,hls,rtsp,sdp,rtp
# Live sources (model.stream of rtsp://, rtmp://, http://: MPEG-TS, MJPEG, HLS). No TLS library is built in, so
# https:// and rtmps:// are not readable by this build.
FFMPEG_PROTOCOLS=file,pipe,tcp,udp,http,httpproxy,rtp,rtmp
# Annotated videos (stream's saveVideo, the CLI's --save): MPEG-4 part 2 in .mp4/.mov/.m4v (ipod)/.mkv, Motion JPEG
# in .avi (LGPL encoders; H.264 would need GPL libx264).
FFMPEG_ENCODERS=mpeg4,mjpeg
FFMPEG_MUXERS=mp4,mov,ipod,matroska,avi
FFMPEG_PARSERS=h264,hevc,mpeg4video,mpegvideo,mjpeg,vp8,vp9,vc1,h263,gif,png,dnxhd
FFMPEG_BSFS=h264_mp4toannexb,hevc_mp4toannexb,mpeg4_unpack_bframes,vp9_superframe_split
if ! stage_done ffmpeg; then
  d="$(source_dir ffmpeg)"; record ffmpeg "$(src_version "$d")"
  rm -rf "$BUILD/ffmpeg"; mkdir -p "$BUILD/ffmpeg"
  cross=(); [ "$ARCH" = arm64 ] && cross=(--enable-cross-compile --arch=aarch64 --target-os=linux --cross-prefix="$CROSS_PREFIX")
  (cd "$BUILD/ffmpeg" && "$d/configure" --prefix="$PREFIX" --libdir="$PREFIX/lib" "${cross[@]}" --cc="$CC" --cxx="$CXX" \
      --enable-static --disable-shared --enable-pic --disable-debug --disable-doc --disable-programs \
      --disable-autodetect --enable-network --disable-everything --disable-avdevice --disable-avfilter \
      --disable-postproc --disable-swresample --enable-avcodec --enable-avformat --enable-avutil --enable-swscale \
      --enable-pthreads --enable-zlib --enable-protocol="$FFMPEG_PROTOCOLS" \
      --enable-decoder="$FFMPEG_DECODERS" --enable-demuxer="$FFMPEG_DEMUXERS" --enable-parser="$FFMPEG_PARSERS" \
      --enable-encoder="$FFMPEG_ENCODERS" --enable-muxer="$FFMPEG_MUXERS" \
      --enable-bsf="$FFMPEG_BSFS" --extra-cflags="$CFLAGS -I$PREFIX/include" --extra-ldflags="$LDFLAGS -L$PREFIX/lib" \
      --pkg-config=pkg-config --pkg-config-flags=--static >&2 &&
    make -j"$JOBS" >&2 && make install >&2) >"$BUILD/ffmpeg.log" 2>&1 || { tail -40 "$BUILD/ffmpeg.log" >&2; exit 1; }
  stage_ok ffmpeg
fi

# ---- OpenCV 4.6: core, imgproc, imgcodecs, videoio ------------------------------------------------------------------
if ! stage_done opencv; then
  d="$(source_dir opencv)"; record opencv "$(src_version "$d")"
  ocv_arch=(); [ "$ARCH" = arm64 ] && ocv_arch=(-DCPU_BASELINE=NEON -DCPU_DISPATCH=FP16 -DENABLE_NEON=ON)
  cmake_build opencv "$d" "${ZLIB_OPTS[@]}" "${JPEG_OPTS[@]}" "${PNG_OPTS[@]}" "${ocv_arch[@]}" \
    -DBUILD_LIST=core,imgproc,imgcodecs,videoio -DBUILD_opencv_world=OFF -DBUILD_TESTS=OFF -DBUILD_PERF_TESTS=OFF \
    -DBUILD_EXAMPLES=OFF -DBUILD_opencv_apps=OFF -DBUILD_JAVA=OFF -DBUILD_opencv_python2=OFF -DBUILD_opencv_python3=OFF \
    -DBUILD_DOCS=OFF -DBUILD_PACKAGE=OFF -DINSTALL_C_EXAMPLES=OFF -DINSTALL_PYTHON_EXAMPLES=OFF -DINSTALL_TESTS=OFF \
    -DOPENCV_GENERATE_PKGCONFIG=OFF -DENABLE_PRECOMPILED_HEADERS=OFF -DOPENCV_ENABLE_NONFREE=OFF \
    -DBUILD_ZLIB=OFF -DBUILD_JPEG=OFF -DBUILD_PNG=OFF -DBUILD_TIFF=OFF -DBUILD_WEBP=OFF -DBUILD_OPENJPEG=OFF \
    -DBUILD_JASPER=OFF -DBUILD_OPENEXR=OFF -DBUILD_ITT=OFF -DBUILD_IPP_IW=OFF -DBUILD_PROTOBUF=OFF \
    -DWITH_JPEG=ON -DWITH_PNG=ON -DWITH_TIFF=ON -DWITH_WEBP=ON \
    -DTIFF_INCLUDE_DIR="$PREFIX/include" -DTIFF_LIBRARY="$PREFIX/lib/libtiff.a" -DTIFF_LIBRARY_RELEASE="$PREFIX/lib/libtiff.a" \
    -DWEBP_INCLUDE_DIR="$PREFIX/include" -DWEBP_LIBRARY="$PREFIX/lib/libwebp.a" \
    -DWITH_OPENJPEG=OFF -DWITH_JASPER=OFF -DWITH_OPENEXR=OFF -DWITH_GDAL=OFF -DWITH_GDCM=OFF -DWITH_IMGCODEC_HDR=OFF \
    -DWITH_IMGCODEC_SUNRASTER=OFF -DWITH_IMGCODEC_PXM=ON -DWITH_IMGCODEC_PFM=ON -DWITH_SPNG=OFF \
    -DWITH_FFMPEG=ON -DOPENCV_FFMPEG_SKIP_BUILD_CHECK=ON -DVIDEOIO_ENABLE_PLUGINS=OFF -DWITH_GSTREAMER=OFF \
    -DWITH_V4L=OFF -DWITH_1394=OFF -DWITH_XINE=OFF -DWITH_ARAVIS=OFF -DWITH_OPENNI2=OFF -DWITH_PVAPI=OFF \
    -DWITH_XIMEA=OFF -DWITH_UEYE=OFF -DWITH_LIBREALSENSE=OFF -DWITH_MFX=OFF -DWITH_INTEL_MEDIA_SDK=OFF \
    -DWITH_GTK=OFF -DWITH_QT=OFF -DWITH_OPENGL=OFF -DWITH_VTK=OFF -DWITH_WAYLAND=OFF -DWITH_GPHOTO2=OFF \
    -DWITH_IPP=OFF -DWITH_ITT=OFF -DWITH_OPENCL=OFF -DWITH_VA=OFF -DWITH_VA_INTEL=OFF -DWITH_TBB=OFF \
    -DWITH_OPENMP=OFF -DWITH_PTHREADS_PF=ON -DWITH_EIGEN=OFF -DWITH_LAPACK=OFF -DWITH_PROTOBUF=OFF -DWITH_QUIRC=OFF \
    -DWITH_ADE=OFF -DWITH_CAROTENE=OFF -DWITH_OPENVX=OFF -DWITH_HALIDE=OFF -DWITH_CUDA=OFF -DWITH_VULKAN=OFF \
    -DWITH_WEBNN=OFF -DWITH_TIMVX=OFF -DWITH_ONNX=OFF -DWITH_OPENCLAMDFFT=OFF -DWITH_OPENCLAMDBLAS=OFF \
    -DWITH_CUFFT=OFF -DWITH_CUBLAS=OFF -DWITH_NVCUVID=OFF -DWITH_IMGCODEC_GIF=OFF -DCV_TRACE=OFF \
    -DCMAKE_DISABLE_FIND_PACKAGE_OpenJPEG=ON -DCMAKE_DISABLE_FIND_PACKAGE_Jasper=ON \
    -DCMAKE_DISABLE_FIND_PACKAGE_OpenEXR=ON -DCMAKE_DISABLE_FIND_PACKAGE_GDAL=ON
  cp "$BUILD/opencv/CMakeCache.txt" "$OUT/opencv-CMakeCache.txt"
  # What OpenCV reports about this build (the codecs and video I/O lines matter: see codecs.txt).
  sed -n '/General configuration for OpenCV/,/Install to:/p' "$BUILD/opencv.configure.log" > "$OUT/opencv-build-info.txt"
  stage_ok opencv
fi

# ---- what imgcodecs decodes in this build ---------------------------------------------------------------------------
info="$OUT/opencv-build-info.txt"
ver() { awk -v p="$1" '$1 == p {print $2}' "$VERSIONS"; }
has() { grep -Eq "^--[[:space:]]+$1:[[:space:]]+(YES|/)" "$info"; }
{
  echo "# What cv::imdecode / cv::imread decode in this build (OpenCV $(ver opencv)): OpenCV's configuration summary,"
  echo "# $info, 'Media I/O'. Columns: format, signature OpenCV checks (its ImageDecoder::checkSignature), decoder."
  echo "bmp/dib          'BM'                           OpenCV built-in (grfmt_bmp): 1/4/8/24/32-bit, RLE4/RLE8"
  has JPEG && echo "jpeg/jpg/jpe    FF D8 FF                       libjpeg-turbo $(ver libjpeg-turbo) (jpeg62 API, SIMD)"
  has PNG && echo "png             89 'PNG' 0D 0A 1A 0A           libpng $(ver libpng1.6) (+ zlib $(ver zlib))"
  has WEBP && echo "webp            'RIFF' .... 'WEBP'             libwebp $(ver libwebp) (still images; lossy, lossless, alpha)"
  has TIFF && echo "tiff/tif        'II*\\0' or 'MM\\0*'              libtiff $(ver tiff) (compression: none, LZW, PackBits, CCITT G3/G4, deflate, PixarLog, JPEG, ThunderScan, NeXT, LogLuv; not LZMA, ZSTD, WebP, JBIG, LERC, old-style JPEG)"
  has PXM && echo "pbm/pgm/ppm/pnm 'P1'..'P6'                     OpenCV built-in (grfmt_pxm)" &&
    echo "pam             'P7'                           OpenCV built-in (grfmt_pam)"
  has PFM && echo "pfm             'PF' or 'Pf' + whitespace      OpenCV built-in (grfmt_pfm), 32-bit float"
  has HDR && echo "hdr/pic         '#?RGBE' / '#?RADIANCE'        OpenCV built-in (rgbe)"
  has SUNRASTER && echo "sr/ras          59 A6 6A 95                    OpenCV built-in (grfmt_sunras)"
  echo "# Not in this build: JPEG 2000 (OpenJPEG/Jasper), OpenEXR, GDAL, GDCM, Radiance HDR, Sun raster, AVIF/HEIF."
  echo "# GIF is no image format of OpenCV 4.6; yolo-native reads GIFs as videos, through FFmpeg."
} > "$OUT/codecs.txt"
{
  echo "# cv::VideoCapture(CAP_FFMPEG) in this build: FFmpeg $(ver ffmpeg) linked in statically (libavformat, libavcodec, libswscale, libavutil)"
  echo "decoders: $FFMPEG_DECODERS"
  echo "demuxers: $FFMPEG_DEMUXERS"
  echo "parsers:  $FFMPEG_PARSERS"
  echo "bsfs:     $FFMPEG_BSFS"
  echo "protocols: $FFMPEG_PROTOCOLS"
  echo "encoders: $FFMPEG_ENCODERS"
  echo "muxers:   $FFMPEG_MUXERS"
} > "$OUT/video.txt"

# ---- for the addon's CMake (-DYOLO_NATIVE_DEPS_DIR=...) -----------------------------------------------------------
# Every archive CMakeLists.txt links must be there.
for lib in opencv_videoio opencv_imgcodecs opencv_imgproc opencv_core avformat avcodec swscale avutil tiff webp png16 jpeg z; do
  [ -f "$PREFIX/lib/lib$lib.a" ] || { log "missing $PREFIX/lib/lib$lib.a"; exit 1; }
done
cat > "$OUT/deps.cmake" <<EOF
# Written by scripts/build-deps.sh: the static stack in this directory, for CMakeLists.txt.
set(YOLO_NATIVE_DEPS_ARCH "$ARCH")
set(YOLO_NATIVE_DEPS_SYSROOT "$SYSROOT")
set(YOLO_NATIVE_DEPS_HASH "$HASH")
EOF
rm -rf "$BUILD"
echo "$HASH" > "$OUT/.complete"
log "complete in $(( $(date +%s) - T0 )) s; codecs: $OUT/codecs.txt"
echo "$OUT"
