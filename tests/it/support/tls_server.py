"""A loopback HTTPS server for the static binary's TLS tests.

    python3 tls_server.py CERT KEY LOG

Prints its port, then answers go-live with 202 and every status request with
a completed operation. Appends one line per HTTP request it handled to LOG,
so that a test can tell that a refused handshake sent no request.
"""
import http.server
import ssl
import sys

cert, key, log = sys.argv[1:4]


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def record(self):
        with open(log, "a") as f:
            f.write(f"{self.command} {self.path}\n")

    def do_POST(self):
        self.record()
        self.send_response(202)
        self.send_header("Location", "/api/operations/tls-op?api-version=2017-10-31")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        self.record()
        body = b'{"status":"completed","steps":[]}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(cert, key)
server.socket = context.wrap_socket(server.socket, server_side=True)
print(server.server_address[1], flush=True)
server.serve_forever()
