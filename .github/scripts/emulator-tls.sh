#!/usr/bin/env bash
# Makes a throw-away CA and a server certificate for the emulator:
#
#     emulator-tls.sh ADDRESS DIR
#
# writes DIR/ca.pem (the CA, for SSL_CERT_FILE), DIR/server.pem (the
# server's certificate, then the CA's) and DIR/server.key. ADDRESS is the IP
# address the action will use in api_url; it is the certificate's only name.
set -euo pipefail
address="$1"
dir="$2"
mkdir -p "$dir"
cd "$dir"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj "/CN=go-live emulator CA" -keyout ca.key -out ca.pem \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
  -subj "/CN=$address" -keyout server.key -out server.csr 2>/dev/null
printf 'subjectAltName=IP:%s\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' "$address" > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
  -extfile server.ext -out server.crt 2>/dev/null
cat server.crt ca.pem > server.pem
rm -f ca.key ca.srl server.csr server.ext server.crt
