# sparnet-dist in a container: a release build on the official Swift image, then a slim
# Debian bookworm runtime with Open MPI, OpenBLAS, HDF5, libpng and libjpeg.
#
#   docker build -t sparnet-dist .
#   docker run --rm -v "$PWD/data:/data" -v "$PWD/runs:/runs" sparnet-dist \
#       prepare --synthetic 2000 --size 32 --out /data/synthetic-train.h5
#   docker run --rm -v "$PWD/data:/data" -v "$PWD/runs:/runs" sparnet-dist \
#       train --config /opt/sparnet-dist/Configs/quickstart.yaml --data '/data/synthetic-*.h5' --run-dir /runs/quickstart
#   # two ranks inside one container (the image runs as root, hence the two variables):
#   docker run --rm -e OMPI_ALLOW_RUN_AS_ROOT=1 -e OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
#       -v "$PWD/data:/data" -v "$PWD/runs:/runs" --entrypoint mpirun sparnet-dist \
#       -n 2 sparnet-dist train --config /opt/sparnet-dist/Configs/quickstart.yaml \
#       --data '/data/synthetic-*.h5' --run-dir /runs/quickstart

FROM swift:6.3-bookworm AS build
# Debian bookworm's packages are what the project is tested with; pinning exact versions would
# only break the build when the archive moves on.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends pkg-config libopenblas-dev libopenmpi-dev \
        libhdf5-dev libpng-dev libjpeg62-turbo-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
# The image runs wherever it is pulled, so it targets any x86-64 with AVX2 rather than the
# build machine's CPU (Package.swift); SPARNET_TARGET_CPU=native as a build argument undoes that.
ARG SPARNET_TARGET_CPU=haswell
ENV SPARNET_TARGET_CPU=${SPARNET_TARGET_CPU}
RUN swift build -c release --product sparnet-dist --static-swift-stdlib \
 && cp "$(swift build -c release --show-bin-path)/sparnet-dist" /usr/local/bin/sparnet-dist

FROM debian:bookworm-slim
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends openmpi-bin libopenmpi3 libopenblas0-pthread \
        libhdf5-103-1 libpng16-16 libjpeg62-turbo ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /usr/local/bin/sparnet-dist /usr/local/bin/sparnet-dist
COPY Configs /opt/sparnet-dist/Configs
COPY Launch /opt/sparnet-dist/Launch
WORKDIR /work
ENTRYPOINT ["sparnet-dist"]
CMD ["--help"]
