#!/usr/bin/env bash
# Regenerates the self-signed example certificates in this folder. NOT FOR PRODUCTION: the keys
# are public (they are in the repository). Needs openssl 1.1.1 or newer.
#
#   bash examples/certs/make.sh
#
# What it makes (valid for 100 years, so the tests that use them never see them expire):
#   ca.pem                   "Fulcrum Examples CA", the CA every certificate below is signed by
#                            (its key is thrown away: nothing else can be signed with it)
#   www.pem / www.key        www.example.test, example.test     (the default certificate)
#   api.pem / api.key        api.example.test
#   app1.pem / app1.key      app1.example.test                  (TLS backends for passthrough)
#   app2.pem / app2.key      app2.example.test
# Clients trust them with the CA: curl --cacert examples/certs/ca.pem ...
set -euo pipefail
cd "$(dirname "$0")"
days=36500
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
key=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes)

openssl req -x509 "${key[@]}" -keyout "$work/ca.key" -out ca.pem -days "$days" \
  -subj "/CN=Fulcrum Examples CA (NOT FOR PRODUCTION)" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"

leaf() { # leaf NAME DNS-NAME...
  local name=$1
  shift
  local san
  san=$(printf 'DNS:%s,' "$@")
  printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' "${san%,}" >"$work/$name.ext"
  openssl req "${key[@]}" -keyout "$name.key" -out "$work/$name.csr" -subj "/CN=$1/O=Fulcrum examples"
  openssl x509 -req -in "$work/$name.csr" -CA ca.pem -CAkey "$work/ca.key" -set_serial "0x$(openssl rand -hex 8)" \
    -days "$days" -extfile "$work/$name.ext" -out "$name.pem"
}
leaf www www.example.test example.test
leaf api api.example.test
leaf app1 app1.example.test
leaf app2 app2.example.test
chmod 644 ./*.key
echo "made: $(ls ./*.pem ./*.key | tr '\n' ' ')"
