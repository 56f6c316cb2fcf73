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

# FUZZ_TARGET: config_loader_fuzz (default) or manifest_parser_fuzz; its seeds are in
# fuzz/corpus/<first word of the target> (config, manifest). FUZZ_SECONDS: how long (300).
FUZZ_TARGET ?= config_loader_fuzz
FUZZ_CORPUS = $(BUILD)-fuzz/corpus/$(FUZZ_TARGET)

fuzz: deps
	cmake -S . -B $(BUILD)-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DDCINSTALL_FUZZ=ON
	cmake --build $(BUILD)-fuzz --target $(FUZZ_TARGET)
	mkdir -p $(FUZZ_CORPUS) && cp fuzz/corpus/$(firstword $(subst _, ,$(FUZZ_TARGET)))/* $(FUZZ_CORPUS)/
	DCINSTALL_FUZZ_DISTRIBUTION_DIR=$(CURDIR)/distributions/reference \
	  $(BUILD)-fuzz/fuzz/$(FUZZ_TARGET) -max_total_time=$${FUZZ_SECONDS:-300} -timeout=10 $(FUZZ_CORPUS)

clean:
	rm -rf $(BUILD) $(BUILD)-fuzz
