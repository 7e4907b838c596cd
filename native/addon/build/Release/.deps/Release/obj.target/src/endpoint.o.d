cmd_Release/obj.target/kucomms_lib/../src/endpoint.o := cc -o Release/obj.target/kucomms_lib/../src/endpoint.o ../../src/endpoint.c '-DNODE_GYP_MODULE_NAME=kucomms_lib' '-DUSING_UV_SHARED=1' '-DUSING_V8_SHARED=1' '-DV8_DEPRECATION_WARNINGS=1' '-D_GLIBCXX_USE_CXX11_ABI=1' '-D_FILE_OFFSET_BITS=64' '-D_LARGEFILE_SOURCE' '-D__STDC_FORMAT_MACROS' '-DOPENSSL_NO_PINSHARED' '-DOPENSSL_THREADS' -I../../include -I../../../kernel/include/uapi -I../../../kernel/include -I/usr/include/node -I/usr/src -I/usr/deps/openssl/config -I/usr/deps/openssl/openssl/include -I/usr/deps/uv/include -I/usr/deps/zlib -I/usr/deps/v8/include  -Wall -Wextra -Werror -pthread -fPIC -pthread -Wall -Wextra -Wno-unused-parameter -fPIC -m64 -O3 -fno-omit-frame-pointer -std=gnu11 -MMD -MF ./Release/.deps/Release/obj.target/kucomms_lib/../src/endpoint.o.d.raw   -c
Release/obj.target/kucomms_lib/../src/endpoint.o: ../../src/endpoint.c \
 ../../src/internal.h ../../include/kucomms/kucomms.h \
 ../../../kernel/include/uapi/linux/kucomms.h \
 ../../../kernel/include/kucomms/ring.h ../../src/schedule.h
../../src/endpoint.c:
../../src/internal.h:
../../include/kucomms/kucomms.h:
../../../kernel/include/uapi/linux/kucomms.h:
../../../kernel/include/kucomms/ring.h:
../../src/schedule.h:
