# pare's own image: `make image` builds it (tests/t-ci.sh, doc/CI.md). Two stages: the compiler and the
# -dev packages stay in the first; the second holds pare and its shared libraries only.
# BASE: any Debian 12 image (the default is Docker Hub's; tests pass a local one, no registry needed).
ARG BASE=debian:bookworm-slim

FROM ${BASE} AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends gcc libc6-dev make pkg-config \
      libarchive-dev libjansson-dev libseccomp-dev libcap-dev libcurl4-openssl-dev libelf-dev libssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN make -j"$(nproc)" build/pare && strip build/pare

FROM ${BASE}
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
      libarchive13 libjansson4 libseccomp2 libcap2 libcurl4 libelf1 libssl3 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/build/pare /usr/local/bin/pare
ENTRYPOINT ["/usr/local/bin/pare"]
CMD ["--help"]
