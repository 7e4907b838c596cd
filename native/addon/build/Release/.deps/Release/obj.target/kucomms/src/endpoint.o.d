cmd_Release/obj.target/kucomms/src/endpoint.o := g++ -o Release/obj.target/kucomms/src/endpoint.o ../src/endpoint.cc '-DNODE_GYP_MODULE_NAME=kucomms' '-DUSING_UV_SHARED=1' '-DUSING_V8_SHARED=1' '-DV8_DEPRECATION_WARNINGS=1' '-D_GLIBCXX_USE_CXX11_ABI=1' '-D_FILE_OFFSET_BITS=64' '-D_LARGEFILE_SOURCE' '-D__STDC_FORMAT_MACROS' '-DOPENSSL_NO_PINSHARED' '-DOPENSSL_THREADS' '-DNAPI_VERSION=8' '-DNODE_ADDON_API_DISABLE_DEPRECATED' '-DNAPI_CPP_EXCEPTIONS' '-DBUILDING_NODE_EXTENSION' -I../../include -I../../../kernel/include/uapi -I../../../kernel/include -I/usr/include/node -I/usr/src -I/usr/deps/openssl/config -I/usr/deps/openssl/openssl/include -I/usr/deps/uv/include -I/usr/deps/zlib -I/usr/deps/v8/include -I../../../node_modules/node-addon-api  -Wall -Wextra -Werror -pthread -fPIC -pthread -Wall -Wextra -Wno-unused-parameter -m64 -O3 -fno-omit-frame-pointer -fno-rtti -std=gnu++17 -std=c++17 -fexceptions -MMD -MF ./Release/.deps/Release/obj.target/kucomms/src/endpoint.o.d.raw   -c
Release/obj.target/kucomms/src/endpoint.o: ../src/endpoint.cc \
 ../src/endpoint.h ../../../node_modules/node-addon-api/napi.h \
 /usr/include/node/node_api.h /usr/include/node/js_native_api.h \
 /usr/include/node/js_native_api_types.h \
 /usr/include/node/node_api_types.h \
 ../../../node_modules/node-addon-api/napi-inl.h \
 ../../../node_modules/node-addon-api/napi.h \
 ../../include/kucomms/kucomms.h \
 ../../../kernel/include/uapi/linux/kucomms.h ../src/delivery.h \
 ../src/errors.h ../src/send_burst.h
../src/endpoint.cc:
../src/endpoint.h:
../../../node_modules/node-addon-api/napi.h:
/usr/include/node/node_api.h:
/usr/include/node/js_native_api.h:
/usr/include/node/js_native_api_types.h:
/usr/include/node/node_api_types.h:
../../../node_modules/node-addon-api/napi-inl.h:
../../../node_modules/node-addon-api/napi.h:
../../include/kucomms/kucomms.h:
../../../kernel/include/uapi/linux/kucomms.h:
../src/delivery.h:
../src/errors.h:
../src/send_burst.h:
