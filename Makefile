# The entry points a newcomer uses. See README.md.
BUILD ?= build
CMAKE_FLAGS ?=

.PHONY: deps configure build test demo demo-web demo-down bench fuzz clean

deps:
	bash tools/deps/install-deps.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS)

configure: $(BUILD)/build.ninja

build: configure
	cmake --build $(BUILD)

test: deps build
	bash tools/test/run-tests.sh $(BUILD)

demo: deps build
	bash tools/demo/demo.sh $(BUILD)

demo-web: deps build
	bash tools/demo/demo-web.sh $(BUILD)

demo-down:
	tools/fleet/fleet down --dir $(BUILD)/demo-fleet

bench: deps build
	bash tools/bench/run-bench.sh $(BUILD)

fuzz: deps
	cmake -S . -B $(BUILD)-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DDCINSTALL_FUZZ=ON
	cmake --build $(BUILD)-fuzz --target config_loader_fuzz
	mkdir -p $(BUILD)-fuzz/corpus && cp fuzz/corpus/config/* $(BUILD)-fuzz/corpus/
	$(BUILD)-fuzz/fuzz/config_loader_fuzz -max_total_time=$${FUZZ_SECONDS:-300} -timeout=10 $(BUILD)-fuzz/corpus

clean:
	rm -rf $(BUILD) $(BUILD)-fuzz
