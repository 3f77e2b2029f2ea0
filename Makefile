# The two commands of the README, plus the pieces they are made of.
BUILD ?= build
JOBS ?= 2
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release

.PHONY: all deps build test run asan tsan bench-smoke format clean

all: build

deps:
	./deploy/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j$(JOBS)

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j$(JOBS)

# AddressSanitizer + UndefinedBehaviorSanitizer build and its tests, but the
# load test (label `load`): its memory-growth check measures the allocator,
# and ASan's quarantine grows by design.
asan: deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOMEN_SANITIZE=ON
	cmake --build build-asan -j$(JOBS)
	ctest --test-dir build-asan --output-on-failure -j$(JOBS) -LE load

# ThreadSanitizer build of the concurrency tests.
tsan: deps
	cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOMEN_TSAN=ON
	cmake --build build-tsan -j$(JOBS) --target test_hnsw_concurrent test_router
	ctest --test-dir build-tsan --output-on-failure -L concurrency

# A whole cluster on this machine (catalog group, 2 data groups of 3 replicas,
# one coordinator on 127.0.0.1:5433) until ^C. Data and logs go to RUN_DIR;
# running it again with the same RUN_DIR restarts the same cluster with its
# data. RUN_ARGS adds options (deploy/local/README.md), e.g.
# make run RUN_ARGS="--port 6543 --groups 4".
RUN_DIR ?= omendb-data
RUN_ARGS ?=
run: build
	./$(BUILD)/deploy/local/omendb-local --dir $(RUN_DIR) $(RUN_ARGS)

format:
	clang-format -i common/*.c common/*.h tests/*.c bench/*.c bench/*.h

clean:
	rm -rf $(BUILD) build-asan build-tsan
