# Builds libkucomms's example programs from the sources beside this file:
# `make`, then run ./kucomms_lib_longtest /dev/kucomms_longtest.
# Each example is compiled together with the library's sources, so nothing
# needs to be installed first.
CFLAGS ?= -O2 -g -Wall -Wextra
CFLAGS += -std=gnu11 -pthread
CPPFLAGS += -Iinclude -Ilibkucomms
LDLIBS += -pthread -lrt

LIB_SOURCES := $(wildcard libkucomms/*.c)
EXAMPLES := $(patsubst %.c,%,$(wildcard *.c))

all: $(EXAMPLES)

$(EXAMPLES): %: %.c $(LIB_SOURCES) $(wildcard include/*/*.h libkucomms/*.h)
	$(CC) $(CPPFLAGS) $(CFLAGS) -o $@ $< $(LIB_SOURCES) $(LDLIBS)

clean:
	rm -f $(EXAMPLES)

.PHONY: all clean
