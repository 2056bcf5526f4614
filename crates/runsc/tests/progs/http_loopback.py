import http.server, threading, urllib.request, socket
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("hello " + self.path).encode() * 1000
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
port = srv.server_address[1]
threading.Thread(target=srv.serve_forever, daemon=True).start()
for i in range(3):
    body = urllib.request.urlopen(f"http://127.0.0.1:{port}/x{i}").read()
    print("http", i, len(body), body[:9])
srv.shutdown()
a = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
a.bind(("::1", 0)); a.listen()
c = socket.create_connection(("::1", a.getsockname()[1]))
s, peer = a.accept()
c.sendall(b"x" * 100000); c.shutdown(socket.SHUT_WR)
got = b""
while True:
    d = s.recv(65536)
    if not d: break
    got += d
print("v6 stream", len(got), peer[0])
try:
    socket.create_connection(("127.0.0.1", 9))
except ConnectionRefusedError as e:
    print("refused", e.errno)
