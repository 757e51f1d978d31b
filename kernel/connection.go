package kernel

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
)

// ConnectionInfo is the content of a Jupyter connection file: where the
// five sockets bind and how messages are signed.
type ConnectionInfo struct {
	Transport       string `json:"transport"`        // "tcp" or "ipc"
	IP              string `json:"ip"`               // address to bind (tcp) or path prefix (ipc)
	ShellPort       int    `json:"shell_port"`       // 0 (tcp only): any free port, see Kernel.ConnectionInfo
	IOPubPort       int    `json:"iopub_port"`       //
	StdinPort       int    `json:"stdin_port"`       //
	ControlPort     int    `json:"control_port"`     //
	HBPort          int    `json:"hb_port"`          //
	Key             string `json:"key"`              // HMAC key; empty means messages are not signed
	SignatureScheme string `json:"signature_scheme"` // "hmac-sha256" (or empty when Key is empty)
	KernelName      string `json:"kernel_name,omitempty"`
}

// SchemeHMACSHA256 is the only signature scheme gohpc accepts.
const SchemeHMACSHA256 = "hmac-sha256"

// ReadConnectionFile reads, parses and validates the connection file at path.
// The error says which file and what is wrong with it.
func ReadConnectionFile(path string) (ConnectionInfo, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return ConnectionInfo{}, fmt.Errorf("kernel: read connection file: %w", err)
	}
	info, err := parseConnectionInfo(data)
	if err != nil {
		return ConnectionInfo{}, fmt.Errorf("kernel: connection file %s: %w", path, err)
	}
	return info, nil
}

// ParseConnectionInfo parses and validates the JSON content of a connection
// file. Missing transport defaults to "tcp", a missing signature_scheme to
// "hmac-sha256"; unknown fields are ignored.
func ParseConnectionInfo(data []byte) (ConnectionInfo, error) {
	info, err := parseConnectionInfo(data)
	if err != nil {
		return ConnectionInfo{}, fmt.Errorf("kernel: connection info: %w", err)
	}
	return info, nil
}

func parseConnectionInfo(data []byte) (ConnectionInfo, error) {
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&raw); err != nil {
		return ConnectionInfo{}, fmt.Errorf("malformed JSON: %w", jsonErr(data, err))
	}
	if dec.More() {
		return ConnectionInfo{}, errors.New("malformed JSON: trailing data after the object")
	}
	if raw == nil {
		return ConnectionInfo{}, errors.New("malformed JSON: not an object")
	}
	var info ConnectionInfo
	str := func(name string, dst *string, required bool) error {
		v, ok := raw[name]
		if !ok || string(v) == "null" {
			if required {
				return fmt.Errorf("missing %q", name)
			}
			return nil
		}
		if err := json.Unmarshal(v, dst); err != nil {
			return fmt.Errorf("%q must be a string", name)
		}
		return nil
	}
	port := func(name string, dst *int) error {
		v, ok := raw[name]
		if !ok || string(v) == "null" {
			return fmt.Errorf("missing %q", name)
		}
		var n json.Number
		if err := json.Unmarshal(v, &n); err != nil {
			// Some launchers write ports as strings.
			var s string
			if json.Unmarshal(v, &s) != nil {
				return fmt.Errorf("%q must be a port number", name)
			}
			n = json.Number(s)
		}
		p, err := strconv.Atoi(n.String())
		if err != nil {
			return fmt.Errorf("%q must be an integer port number, not %s", name, v)
		}
		*dst = p
		return nil
	}
	for _, f := range []func() error{
		func() error { return str("transport", &info.Transport, false) },
		func() error { return str("ip", &info.IP, true) },
		func() error { return port("shell_port", &info.ShellPort) },
		func() error { return port("iopub_port", &info.IOPubPort) },
		func() error { return port("stdin_port", &info.StdinPort) },
		func() error { return port("control_port", &info.ControlPort) },
		func() error { return port("hb_port", &info.HBPort) },
		func() error { return str("key", &info.Key, false) },
		func() error { return str("signature_scheme", &info.SignatureScheme, false) },
		func() error { return str("kernel_name", &info.KernelName, false) },
	} {
		if err := f(); err != nil {
			return ConnectionInfo{}, err
		}
	}
	if info.Transport == "" {
		info.Transport = "tcp"
	}
	if info.SignatureScheme == "" && info.Key != "" {
		info.SignatureScheme = SchemeHMACSHA256
	}
	if err := info.validate(); err != nil {
		return ConnectionInfo{}, err
	}
	return info, nil
}

// jsonErr adds the line and column of a syntax error.
func jsonErr(data []byte, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off := int(se.Offset)
		if off > len(data) {
			off = len(data)
		}
		line := 1 + bytes.Count(data[:off], []byte("\n"))
		col := off - bytes.LastIndexByte(data[:off], '\n')
		return fmt.Errorf("line %d, column %d: %w", line, col, err)
	}
	return err
}

// Validate reports whether info can be used to start a kernel.
func (info ConnectionInfo) Validate() error {
	if err := info.validate(); err != nil {
		return fmt.Errorf("kernel: connection info: %w", err)
	}
	return nil
}

func (info ConnectionInfo) validate() error {
	switch info.Transport {
	case "tcp":
		if info.IP == "" {
			return errors.New(`"ip" is empty`)
		}
		if info.IP != "*" && net.ParseIP(info.IP) == nil && !validHostname(info.IP) {
			return fmt.Errorf("%q is not an IP address or host name", info.IP)
		}
	case "ipc":
		if info.IP == "" {
			return errors.New(`"ip" (the ipc path prefix) is empty`)
		}
	default:
		return fmt.Errorf("unsupported transport %q (want \"tcp\" or \"ipc\")", info.Transport)
	}
	seen := map[int]string{}
	for _, p := range info.ports() {
		if p.port < 0 || p.port > 65535 || (p.port == 0 && info.Transport == "ipc") {
			return fmt.Errorf("%s %d out of range", p.name, p.port)
		}
		if p.port == 0 {
			continue
		}
		if other, dup := seen[p.port]; dup {
			return fmt.Errorf("%s and %s are both %d", other, p.name, p.port)
		}
		seen[p.port] = p.name
	}
	switch info.SignatureScheme {
	case SchemeHMACSHA256:
	case "":
		if info.Key != "" {
			return errors.New("a key is set but signature_scheme is empty")
		}
	default:
		if info.Key != "" {
			return fmt.Errorf("unsupported signature_scheme %q (want %q)", info.SignatureScheme, SchemeHMACSHA256)
		}
	}
	return nil
}

func validHostname(h string) bool {
	if len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, r := range label {
			if !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
				return false
			}
		}
	}
	return true
}

type namedPort struct {
	name string
	port int
}

func (info ConnectionInfo) ports() []namedPort {
	return []namedPort{
		{"shell_port", info.ShellPort},
		{"iopub_port", info.IOPubPort},
		{"stdin_port", info.StdinPort},
		{"control_port", info.ControlPort},
		{"hb_port", info.HBPort},
	}
}

// endpoint is the ZeroMQ endpoint of port, as jupyter_client spells it:
// tcp://ip:port or ipc://ip-port.
func (info ConnectionInfo) endpoint(port int) string {
	if info.Transport == "ipc" {
		return fmt.Sprintf("ipc://%s-%d", info.IP, port)
	}
	return "tcp://" + net.JoinHostPort(info.IP, strconv.Itoa(port))
}
