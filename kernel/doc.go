// Package kernel implements the Jupyter messaging protocol (version 5.3) for
// gohpc: the connection file, the wire format and its HMAC signing, the five
// ZeroMQ sockets, request dispatch and the heartbeat.
//
// The language lives behind the Interpreter interface, defined here the way
// net/http defines Handler; kernel never imports an interpreter, yaegi or
// gonum.
package kernel
