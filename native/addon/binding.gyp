# The kucomms Node-API addon, the demo peer program (libkucomms's
# examples/kucomms_peer.c, which the demo targets run) and its longtest
# partner (examples/kucomms_lib_longtest.c), built by node-gyp at
# `npm install` from libkucomms's own sources, so nothing else must be built
# first. Library sources: every .c file in native/src.
{
  "target_defaults": {
    "include_dirs": [
      "../include",
      "../../kernel/include/uapi",
      "../../kernel/include",
    ],
    "cflags": ["-Wall", "-Wextra", "-pthread"],
    "cflags_c": ["-std=gnu11"],
    "ldflags": ["-pthread"],
    "libraries": ["-lrt"],
  },
  "targets": [
    {
      "target_name": "kucomms_lib",
      "type": "static_library",
      "sources": [
        "<!@(node -p \"require('fs').readdirSync('../src').filter((f) => f.endsWith('.c')).sort().map((f) => '../src/' + f).join(' ')\")",
      ],
      "cflags": ["-fPIC", "-Werror"],
    },
    {
      "target_name": "kucomms_peer",
      "type": "executable",
      "dependencies": ["kucomms_lib"],
      "sources": ["../examples/kucomms_peer.c"],
    },
    {
      # The other side of the demo's longtest pair: with kucomms_peer, two
      # programs the Studio did not start, whose link a monitor watches.
      "target_name": "kucomms_lib_longtest",
      "type": "executable",
      "dependencies": ["kucomms_lib"],
      "sources": ["../examples/kucomms_lib_longtest.c"],
    },
    {
      "target_name": "kucomms",
      "dependencies": [
        "kucomms_lib",
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except",
      ],
      "sources": [
        "src/addon.cc",
        "src/delivery.cc",
        "src/endpoint.cc",
        "src/errors.cc",
        "src/monitor.cc",
        "src/options.cc",
        "src/send_burst.cc",
        "src/teardown.cc",
      ],
      "cflags": ["-Werror"],
      "cflags_cc": ["-std=c++17", "-fexceptions"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED"],
    },
  ],
}
