# libFuzzer harnesses for the parsers of untrusted bytes (included by
# Makefile.in).  They are built with clang, ASan and UBSan, against a
# libcommon of their own in tests/fuzz/obj (never gcc's objects).
#
#   make fuzz [FUZZ_SECONDS=60] [FUZZ_JOBS=2] [FUZZ_MIN_RUNS=N] [FUZZ=vmx,ovf]
#                           fuzz each harness from its seed corpus (for
#                           at least N runs, if given: run-fuzz.sh)
#   make check-fuzz-regress replay the corpora and tests/fuzz/regress once

FUZZ_CC = clang
FUZZ_SECONDS = 60
FUZZ_JOBS = 2
FUZZ_MIN_RUNS = 0
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
FUZZ_CFLAGS = -std=gnu11 -I. -Icommon -Itests/fuzz -g -O1 $(FUZZ_SAN) \
	$(DEP_CFLAGS) -MMD -MP
FUZZ_SRCS = $(sort $(wildcard tests/fuzz/fuzz-*.c))
FUZZ_BINS = $(patsubst tests/fuzz/%.c,tests/fuzz/bin/%,$(FUZZ_SRCS))
FUZZ_LIB_OBJS = $(patsubst common/%.c,tests/fuzz/obj/%.o,$(COMMON_SRCS))

tests/fuzz/obj/%.o: common/%.c config.h
	@mkdir -p tests/fuzz/obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

tests/fuzz/obj/helpers.o: tests/fuzz/helpers.c config.h
	@mkdir -p tests/fuzz/obj
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

tests/fuzz/obj/libcommon.a: $(FUZZ_LIB_OBJS)
	rm -f $@
	ar rcs $@ $^

tests/fuzz/bin/%: tests/fuzz/%.c tests/fuzz/obj/helpers.o \
		tests/fuzz/obj/libcommon.a config.h
	@mkdir -p tests/fuzz/bin
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< \
	  tests/fuzz/obj/helpers.o tests/fuzz/obj/libcommon.a $(DEP_LIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) \
	  FUZZ_MIN_RUNS=$(FUZZ_MIN_RUNS) \
	  tests/fuzz/run-fuzz.sh $(subst $(comma), ,$(FUZZ))

check-fuzz-regress: fuzz-build
	./run tests/run-tests.sh tests/test-fuzz-regress.sh

fuzz-clean:
	rm -rf tests/fuzz/bin tests/fuzz/obj tests/fuzz/artifacts

clean: fuzz-clean

comma := ,

.PHONY: fuzz-build fuzz check-fuzz-regress fuzz-clean

-include $(FUZZ_LIB_OBJS:.o=.d) tests/fuzz/obj/helpers.d \
  $(FUZZ_BINS:=.d)
