# pare: plain Makefile (see doc/ARCHITECTURE.md for the layout)
CC      ?= cc
PKGS    := libarchive jansson libseccomp libcap libcrypto libcurl libelf
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Werror
CPPFLAGS += -I. -D_GNU_SOURCE -include lib/banned.h
ALL_CFLAGS = -std=gnu11 $(WARN) $(CFLAGS) $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

ifeq ($(SANITIZE),1)
CFLAGS  := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
BUILD   := build-san
else
BUILD   := build
endif

MODULES := lib image runtime tracer minifier pkgdb sbom lint probe pipeline
LIB_SRCS := $(sort $(foreach m,$(MODULES),$(wildcard $(m)/*.c)))
CLI_SRCS := $(sort $(wildcard cli/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/%.o)
UNIT_SRCS := $(sort $(wildcard tests/unit/*.c))
UNIT_OBJS := $(UNIT_SRCS:%.c=$(BUILD)/%.o)
HELPER_SRCS := $(sort $(wildcard tests/helpers/*.c))
HELPERS := $(HELPER_SRCS:tests/helpers/%.c=$(BUILD)/helpers/%)

.PHONY: all check check-all unit deps clean format demo bench fuzz fuzz-replay fuzz-targets helpers image
all: pare

pare: $(BUILD)/pare
	@ln -sf $(BUILD)/pare pare

$(BUILD)/pare: $(CLI_OBJS) $(BUILD)/libpare.a
	$(if $(V),,@echo "  LINK    $@";)$(CC) $(LDFLAGS) -o $@ $(CLI_OBJS) $(BUILD)/libpare.a $(LDLIBS)

$(BUILD)/libpare.a: $(LIB_OBJS)
	@rm -f $@
	$(if $(V),,@echo "  AR      $@";)ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(if $(V),,@echo "  CC      $<";)$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -DPARE_VERSION='"$(VERSION)"' -MMD -MP -c -o $@ $<

$(BUILD)/unit-tests: $(UNIT_OBJS) $(BUILD)/libpare.a
	$(if $(V),,@echo "  LINK    $@";)$(CC) $(LDFLAGS) -o $@ $(UNIT_OBJS) $(BUILD)/libpare.a $(LDLIBS)

# Static test helpers copied into tiny test images (no libc dependency at run time).
$(BUILD)/helpers/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O1 -g -static -Wall -Wextra -Werror -o $@ $< -lpthread

helpers: $(HELPERS)

# Fuzz targets (tests/fuzz/fuzz_<parser>.c, see doc/FUZZING.md). Each is built twice: as a replay program
# with the normal compiler and flags (run over the seed corpus by `make check`: tests/t-fuzz-replay.sh),
# and by `make fuzz` as a libFuzzer binary with clang, ASan and UBSan in build-fuzz/.
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_REPLAYS := $(FUZZ_SRCS:tests/fuzz/fuzz_%.c=$(BUILD)/fuzz/replay_%)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_CC ?= clang
FUZZ_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined

$(BUILD)/fuzz/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(wildcard tests/fuzz/*.h) $(BUILD)/libpare.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(LDFLAGS) -o $@ tests/fuzz/fuzz_$*.c tests/fuzz/replay.c $(BUILD)/libpare.a $(LDLIBS)

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h) $(BUILD)/libpare.a
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -fsanitize=fuzzer,address,undefined -o $@ $< $(BUILD)/libpare.a $(LDLIBS)

fuzz-replay: $(FUZZ_REPLAYS)

fuzz-targets: $(FUZZ_BINS)

# clang's warnings differ from gcc's: the fuzz build does not make them errors.
fuzz:
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=$(FUZZ_CC) CFLAGS="$(FUZZ_CFLAGS)" \
		WARN="$(filter-out -Werror,$(WARN))" fuzz-targets
	@tests/fuzz/make-seeds.sh build-fuzz/seeds
	@echo "fuzz targets in build-fuzz/fuzz/, seeds in build-fuzz/seeds/; run tests/fuzz/run.sh PARSER SECONDS"

unit: $(BUILD)/unit-tests
	$(BUILD)/unit-tests

deps:
	@tests/deps.sh

# Everything that can run here; ends with "N passed, N failed".
check: deps pare $(BUILD)/unit-tests helpers fuzz-replay
	@BUILD=$(BUILD) tests/run.sh

check-all: deps pare $(BUILD)/unit-tests helpers fuzz-replay
	@BUILD=$(BUILD) PARE_CHECK_ALL=1 tests/run.sh

# pare's own image from the Dockerfile (doc/CI.md), tagged IMAGE (default pare:VERSION). BASE=REF
# builds on another Debian 12 image (a local one where no registry is reachable).
IMAGE ?= pare:$(VERSION)
image:
	docker build -q $(if $(BASE),--build-arg BASE=$(BASE)) -t $(IMAGE) .

demo: deps pare
	@BUILD=$(BUILD) samples/demo.sh

# The per-stop floor of a do-nothing seccomp tracer (bench/tracer.sh prints it next to pare's numbers).
$(BUILD)/bench/stopcost: bench/stopcost.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< -lseccomp

bench: deps pare helpers $(BUILD)/bench/stopcost
	@BUILD=$(BUILD) bench/run.sh

format:
	clang-format -i $(LIB_SRCS) $(CLI_SRCS) $(UNIT_SRCS) $(wildcard */*.h)

clean:
	rm -rf build build-san build-fuzz pare

-include $(LIB_OBJS:.o=.d) $(CLI_OBJS:.o=.d) $(UNIT_OBJS:.o=.d)
