# Reliability targets, included by the Makefile: `make fuzz` (libFuzzer
# harnesses in tests/fuzz/), `make valgrind` (memcheck on every shipped
# scenario and sweep) and `make lint` (cppcheck + clang-tidy on src/). See tests/fuzz/README.md and README.md ("Reliability").

.PHONY: fuzz fuzz-build fuzz-deps fuzz-bins fuzz-smoke valgrind lint lint-deps cppcheck clang-tidy layers

# ---- fuzzing ---------------------------------------------------------------------
# Each harness links the library built with clang and coverage
# instrumentation plus ASan + UBSan (no recovery) in build/fuzz/, and runs
# for FUZZ_SECONDS seconds from its seed corpus tests/fuzz/corpus/NAME/
# (read only); what it discovers goes to build/fuzz/corpus/NAME/, crashes
# to build/fuzz/crashes/NAME/, its output to build/fuzz/logs/NAME.log.
# The gcc build is the warning gate; clang here only needs -Wall -Wextra.
# FUZZ_HARNESSES picks some, e.g. `make fuzz FUZZ_HARNESSES="scenario set"`.
FUZZ_CC        ?= clang
FUZZ_SECONDS   ?= 60
FUZZ_HARNESSES ?= scenario model set trace log sweep shard plot mnist digits worker_proto result
FUZZ_BUILD     := build/fuzz
FUZZ_SAN       := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# libclang-rt-14-dev holds libFuzzer's runtime for Debian's clang 14.
FUZZ_APT       := clang libclang-rt-14-dev
FUZZ_OK        := $(FUZZ_BUILD)/.fuzz-ok
FUZZ_FLAGS     ?= -timeout=10 -rss_limit_mb=2048 -max_len=1048576 -print_final_stats=1

fuzz-deps: $(FUZZ_OK)
$(FUZZ_OK):
	@mkdir -p $(dir $@)
	@printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n);\nint LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' \
	  > $(FUZZ_BUILD)/probe.c
	@if $(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_BUILD)/probe.c -o $(FUZZ_BUILD)/probe 2>/dev/null; then :; \
	else \
	  echo "$(FUZZ_CC) cannot link libFuzzer" >&2; $(APT_INSTALL) $(FUZZ_APT) || exit 1; \
	  $(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_BUILD)/probe.c -o $(FUZZ_BUILD)/probe || exit 1; \
	fi
	@touch $@

fuzz-build: $(FUZZ_OK)
	@$(MAKE) --no-print-directory -f $(firstword $(MAKEFILE_LIST)) BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) \
	  OPT="-O1 -g -fsanitize=fuzzer-no-link $(FUZZ_SAN)" WARN="-Wall -Wextra" fuzz-bins

FUZZ_BINS := $(FUZZ_HARNESSES:%=$(BUILD)/fuzz_%)
fuzz-bins: $(FUZZ_BINS)

$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_util.c tests/fuzz/fuzz_util.h $(LIB) $(HDRS)
	$(CC) $(CPPFLAGS) -Itests/fuzz $(PKG_CFLAGS) $(CFLAGS) -fsanitize=fuzzer -o $@ $< \
	  tests/fuzz/fuzz_util.c $(LIB) $(PKG_LIBS) -lm

# Runs the harnesses one after the other; fails when any of them found a
# crash, a leak, a timeout or an out-of-memory input.
fuzz: fuzz-build
	@mkdir -p $(FUZZ_BUILD)/logs; fail=0; \
	for h in $(FUZZ_HARNESSES); do \
	  mkdir -p $(FUZZ_BUILD)/corpus/$$h $(FUZZ_BUILD)/crashes/$$h; \
	  dict=; [ -f tests/fuzz/$$h.dict ] && dict=-dict=tests/fuzz/$$h.dict; \
	  echo "fuzz: $$h for $(FUZZ_SECONDS) s (log: $(FUZZ_BUILD)/logs/$$h.log)"; \
	  $(FUZZ_BUILD)/fuzz_$$h $(FUZZ_FLAGS) $$dict -max_total_time=$(FUZZ_SECONDS) \
	    -artifact_prefix=$(FUZZ_BUILD)/crashes/$$h/ \
	    $(FUZZ_BUILD)/corpus/$$h tests/fuzz/corpus/$$h > $(FUZZ_BUILD)/logs/$$h.log 2>&1; \
	  st=$$?; \
	  execs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $(FUZZ_BUILD)/logs/$$h.log | tail -1); \
	  found=$$(ls $(FUZZ_BUILD)/crashes/$$h | wc -l); \
	  echo "fuzz: $$h: $${execs:-?} executions, $$found crash files, exit $$st"; \
	  if [ $$st != 0 ] || [ $$found != 0 ]; then fail=1; tail -40 $(FUZZ_BUILD)/logs/$$h.log; fi; \
	done; exit $$fail

# Every harness over its seed corpus once (-runs=0: no fuzzing), as part of
# `make check`: a reader change that crashes on a shipped example, or a
# harness that no longer builds, is caught in CI. A few seconds of running
# after the build.
fuzz-smoke: fuzz-build
	@fail=0; for h in $(FUZZ_HARNESSES); do \
	  if $(FUZZ_BUILD)/fuzz_$$h -runs=0 -max_len=1048576 -timeout=30 tests/fuzz/corpus/$$h \
	       > $(FUZZ_BUILD)/smoke-$$h.log 2>&1; then \
	    echo "fuzz-smoke: $$h: $$(ls tests/fuzz/corpus/$$h | wc -l) seed inputs ok"; \
	  else echo "fuzz-smoke: $$h FAILED"; tail -30 $(FUZZ_BUILD)/smoke-$$h.log; fail=1; fi; \
	done; exit $$fail

# ---- memcheck ----------------------------------------------------------------------
# Every shipped scenario (`run` with every output file), sweep (one
# replication per point), the trace readers, and calibrate, validate, plot
# and merge on shipped data, under valgrind memcheck: any error or leak
# fails. Profiles the repository does not ship are made first (the worker
# is needed for that). About 2-3 min of CPU, so not part of `make check`.
VALGRIND_APT := valgrind
valgrind: $(BIN) $(WORKER)
	@command -v valgrind >/dev/null || $(APT_INSTALL) $(VALGRIND_APT)
	@bash tests/valgrind.sh $(BIN)

# ---- static analysis ---------------------------------------------------------------
# cppcheck and clang-tidy (checks in .clang-tidy) on every source file and
# header, and the include-direction check of the layers (tests/lint/layers.sh:
# src/<layer>/README.md says what each layer may include); any finding fails. Suppressions, each with its reason, are in
# tests/lint/cppcheck.supp and in the .clang-tidy comments.
LINT_APT    := cppcheck clang-tidy
CLANG_TIDY  ?= clang-tidy
LINT_SRC    := $(LIB_SRC) $(MAIN_SRC) $(wildcard src/real/*/*.c)
LINT_CFLAGS  = -std=c11 $(CPPFLAGS) $(PKG_CFLAGS)
CPPCHECK_FLAGS := --enable=warning,style,performance,portability --std=c11 --inline-suppr \
                  --error-exitcode=1 --quiet --suppressions-list=tests/lint/cppcheck.supp \
                  --template='{file}:{line}: {severity}: {message} [{id}]'

lint-deps:
	@command -v cppcheck >/dev/null && command -v $(CLANG_TIDY) >/dev/null || $(APT_INSTALL) $(LINT_APT)

# The three checks one after the other (the linters are parallel inside),
# all run even when one has findings; $(BUILD)/lint/summary counts them for
# `make check`'s last line.
lint: lint-deps | $(DEPS_OK)
	@mkdir -p $(BUILD)/lint; pass=0; fail=0; \
	for l in layers cppcheck clang-tidy; do \
	  if $(MAKE) --no-print-directory $$l; then pass=$$((pass + 1)); else fail=$$((fail + 1)); fi; \
	done; \
	echo "$$pass $$fail" > $(BUILD)/lint/summary; \
	echo "lint: $$pass passed, $$fail failed"; [ $$fail = 0 ]

# Which layer may include which: one line per violation, then a count.
layers:
	@sh tests/lint/layers.sh src

LINT_JOBS ?= 2
cppcheck: lint-deps | $(DEPS_OK)
	@echo "cppcheck: checking src/ ..."
	@t0=$$(date +%s); \
	cppcheck $(CPPCHECK_FLAGS) $(CPPFLAGS) src && \
	echo "cppcheck: no findings ($$(( $$(date +%s) - t0 )) s)"

# One clang-tidy per file, $(LINT_JOBS) at a time, in groups of 10 files
# with a progress line after each; the headers are checked through the
# files that include them (HeaderFilterRegex).
clang-tidy: lint-deps | $(DEPS_OK)
	@t0=$$(date +%s); n_done=0; fail=0; total=$(words $(LINT_SRC)); \
	set -- $(LINT_SRC); \
	while [ $$# -gt 0 ]; do \
	  group=; n=0; while [ $$# -gt 0 ] && [ $$n -lt 10 ]; do group="$$group $$1"; shift; n=$$((n + 1)); done; \
	  printf '%s\n' $$group | xargs -P $(LINT_JOBS) -I{} sh -c \
	    '$(CLANG_TIDY) --quiet {} -- $(LINT_CFLAGS) 2>/dev/null || { echo "clang-tidy: {} has findings" >&2; exit 1; }' || fail=1; \
	  n_done=$$((n_done + n)); \
	  echo "clang-tidy: $$n_done/$$total files ($$(( $$(date +%s) - t0 )) s)"; \
	done; \
	if [ $$fail = 0 ]; then echo "clang-tidy: no findings in $$total files"; else exit 1; fi
