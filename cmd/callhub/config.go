package main

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Config is the hub's configuration: DESIGN.md's YAML, then the CALLHUB_*
// environment, then defaults. The YAML key names are the contract.
// loadConfig builds one; main reads it and never changes it after build.
type Config struct {
	// Listen is the listen address. Defaults to "127.0.0.1:8888" without a
	// config file, ":8888" with one.
	Listen string `yaml:"listen,omitempty"`
	// PublicURL is how services reach the hub to reply. "" means main
	// derives it from the listen address.
	PublicURL string `yaml:"publicURL,omitempty"`
	// Store is "memory" (the default, one instance) or "redis".
	Store string      `yaml:"store,omitempty"`
	Redis RedisConfig `yaml:"redis,omitempty"`
	// Retention is how long records, replies and files live. Defaults to 24h.
	Retention Duration `yaml:"retention,omitempty"`
	// Secret signs reply tokens, ws tokens, the callbackIds of old
	// middleware requests and the console's admin tickets. Required with
	// store redis; "" otherwise means a random secret per process.
	Secret string      `yaml:"secret,omitempty"`
	Admin  AdminConfig `yaml:"admin,omitempty"`
	// Demo mounts the demo service echo. Dev mode mounts it regardless.
	Demo     bool            `yaml:"demo,omitempty"`
	Callers  []CallerConfig  `yaml:"callers,omitempty"`
	Services []ServiceConfig `yaml:"services,omitempty"`
	Delivery DeliveryConfig  `yaml:"delivery,omitempty"`
	Limits   LimitsConfig    `yaml:"limits,omitempty"`
	Files    FilesConfig     `yaml:"files,omitempty"`
	Compat   CompatConfig    `yaml:"compat,omitempty"`
	// UI is what GET / serves: "console", "playground" or "off" (404).
	// Defaults to playground in dev mode, console when admin.apiKey is
	// set, otherwise off.
	UI      string        `yaml:"ui,omitempty"`
	Log     LogConfig     `yaml:"log,omitempty"`
	Tracing TracingConfig `yaml:"tracing,omitempty"`

	fromFile bool // a config file was given
}

// RedisConfig is the redis section, read when store is redis. URL names a
// standalone server; Addrs with MasterName a Sentinel set; Addrs alone a
// Cluster.
type RedisConfig struct {
	URL        string   `yaml:"url,omitempty"`
	Addrs      []string `yaml:"addrs,omitempty"`
	MasterName string   `yaml:"masterName,omitempty"`
	Password   string   `yaml:"password,omitempty"`
	// KeyPrefix starts every key. Defaults to "callhub:".
	KeyPrefix string `yaml:"keyPrefix,omitempty"`
	// WaitReplicas is how many replicas must confirm a write (WAIT)
	// before the hub answers 2xx. Defaults to 0: the master alone.
	WaitReplicas int `yaml:"waitReplicas,omitempty"`
	// WaitTimeout bounds that wait; past it the answer is 503. Defaults
	// to 1s.
	WaitTimeout Duration `yaml:"waitTimeout,omitempty"`
	// Timeout bounds every Redis call; past it the call fails and the
	// answer is 503. Defaults to 1s.
	Timeout Duration `yaml:"timeout,omitempty"`
	// PoolSize is how many connections the hub pools per Redis node.
	// Defaults to 0: go-redis's own, 10 per CPU.
	PoolSize int `yaml:"poolSize,omitempty"`
}

// AdminConfig is the admin section. With no APIKey, admin endpoints are
// closed (outside dev mode).
type AdminConfig struct {
	APIKey string `yaml:"apiKey,omitempty"`
}

// CallerConfig is one entry of callers: an app that sends requests.
type CallerConfig struct {
	ID     string `yaml:"id,omitempty"`
	APIKey string `yaml:"apiKey,omitempty"`
	// CallbackBase is what a relative callbackUrl resolves against.
	CallbackBase string `yaml:"callbackBase,omitempty"`
	// AllowCallbackHosts are the hosts an absolute callbackUrl may name.
	AllowCallbackHosts []string `yaml:"allowCallbackHosts,omitempty"`
	// WebhookSecret ("whsec_" + base64) signs callbacks, Standard Webhooks.
	WebhookSecret string `yaml:"webhookSecret,omitempty"`
	// AllowAddrs are CIDRs whose keyless requests count as this caller.
	AllowAddrs []string `yaml:"allowAddrs,omitempty"`
}

// ServiceConfig is one entry of services: a provider the hub forwards to.
type ServiceConfig struct {
	ID      string `yaml:"id,omitempty"`
	BaseURL string `yaml:"baseURL,omitempty"`
	// APIKey lets the service reply without the request's reply token.
	APIKey string `yaml:"apiKey,omitempty"`
	// Timeout bounds one forwarded request. Defaults to 30s.
	Timeout Duration `yaml:"timeout,omitempty"`
	// Headers are added to every forwarded request.
	Headers map[string]string `yaml:"headers,omitempty"`
	// AllowAddrs are CIDRs whose keyless replies count as this service.
	AllowAddrs []string `yaml:"allowAddrs,omitempty"`
	// CancelPath, appended to BaseURL, is where the hub POSTs {cid,
	// reason} when a caller cancels a request. None by default.
	CancelPath string `yaml:"cancelPath,omitempty"`
	// Breaker fails requests fast while the service keeps failing. nil
	// (absent) is no breaker.
	Breaker *BreakerConfig `yaml:"breaker,omitempty"`
}

// BreakerConfig is services[].breaker: after Failures consecutive failed
// forwards, requests to the service are answered 503 at once until
// Cooldown passes and one probe gets through.
type BreakerConfig struct {
	// Failures is how many consecutive failed forwards open it; ≥ 1.
	Failures int `yaml:"failures,omitempty"`
	// Cooldown is how long it stays open before the probe; above 0.
	Cooldown Duration `yaml:"cooldown,omitempty"`
}

// DeliveryConfig is the delivery section: HTTP callbacks and their retries.
type DeliveryConfig struct {
	// MaxAttempts bounds the attempts of one delivery. Defaults to 10.
	MaxAttempts int `yaml:"maxAttempts,omitempty"`
	// Timeout bounds one attempt. Defaults to 10s.
	Timeout Duration `yaml:"timeout,omitempty"`
	// Schedule is the wait before each retry; the last entry repeats.
	// Defaults to 1s, 5s, 30s, 2m, 10m, 30m, 1h.
	Schedule []Duration `yaml:"schedule,omitempty"`
	// RatePerEndpoint caps attempts per second to one host; 0 is no cap.
	RatePerEndpoint float64 `yaml:"ratePerEndpoint,omitempty"`
	// DisableAfter stops delivering to an endpoint failing this long.
	// Defaults to 5d.
	DisableAfter Duration `yaml:"disableAfter,omitempty"`
}

// LimitsConfig is the limits section.
type LimitsConfig struct {
	// MaxBodyBytes bounds a request or reply body. Defaults to 1MiB.
	MaxBodyBytes Size `yaml:"maxBodyBytes,omitempty"`
	// MaxFileBytes bounds one uploaded file. Defaults to 1GiB.
	MaxFileBytes Size `yaml:"maxFileBytes,omitempty"`
	// WSSendBuffer is each subscriber's inbox, in messages. Defaults to 256.
	WSSendBuffer int `yaml:"wsSendBuffer,omitempty"`
	// RatePerCaller caps requests per second per caller; 0 is no cap.
	RatePerCaller float64 `yaml:"ratePerCaller,omitempty"`
	// ReadTimeout is the longest wait for the next bytes of a request's
	// head or body. Defaults to 30s.
	ReadTimeout Duration `yaml:"readTimeout,omitempty"`
	// WriteTimeout bounds one write to a WebSocket or event stream: a
	// subscriber that takes longer to take its frames is cut off and
	// resumes from its offset when it comes back. Defaults to 10s.
	WriteTimeout Duration `yaml:"writeTimeout,omitempty"`
	// IdleTimeout is how long a kept-alive connection waits for its next
	// request. Defaults to 120s.
	IdleTimeout Duration `yaml:"idleTimeout,omitempty"`
	// MaxConnsPerClient caps one client address's open connections; 0 is
	// no cap.
	MaxConnsPerClient int `yaml:"maxConnsPerClient,omitempty"`
}

// FilesConfig is the files section.
type FilesConfig struct {
	// Dir holds uploaded files. "" means a temp dir chosen by main.
	Dir string `yaml:"dir,omitempty"`
}

// loadConfig reads the YAML file at path ("" for none) with ${VAR}
// expanded from getenv, applies the CALLHUB_* overrides and the defaults,
// and validates the result. Its error names every wrong key at once.
func loadConfig(path string, getenv func(string) string) (*Config, error) {
	cfg, errs := configProblems(path, getenv)
	if len(errs) > 0 {
		prefix := "config"
		if path != "" {
			prefix += " " + path
		}
		return nil, problemsError(prefix, errors.Join(errs...))
	}
	return cfg, nil
}

// configProblems loads the config as loadConfig does and returns every
// problem in one pass: the file's (unset variables, unknown keys, bad
// values), the environment's and validation's, each with the line of its
// key in the file when there is one. Only a file that cannot be read or
// parsed as YAML stops it early.
func configProblems(path string, getenv func(string) string) (*Config, []error) {
	cfg := &Config{}
	var fileErr error
	var doc *yaml.Node
	if path != "" {
		raw, err := os.ReadFile(path)
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = fmt.Errorf("%s: %w", pe.Op, pe.Err) // the path is named once, by the caller
		}
		if err != nil {
			return nil, []error{err}
		}
		if doc, fileErr = decodeConfig(raw, getenv, cfg); doc == nil {
			return nil, flatten(fileErr)
		}
		cfg.fromFile = true
	}
	envErr := applyEnv(cfg, getenv)
	zeros := cfg.explicitZeros(doc, getenv, reported(fileErr, envErr))
	cfg.setDefaults()
	var errs []error
	for _, err := range []error{fileErr, envErr, cfg.validate()} {
		if err != nil {
			errs = append(errs, flatten(err)...)
		}
	}
	return cfg, withLines(append(errs, zeros...), doc)
}

// problemsError prefixes err, and puts several problems one per line
// under their count.
func problemsError(prefix string, err error) error {
	if errs := flatten(err); len(errs) > 1 {
		return fmt.Errorf("%s: %d problems:\n%w", prefix, len(errs), errors.Join(errs...))
	}
	return fmt.Errorf("%s: %w", prefix, err)
}

// flatten lists the leaves of nested errors.Join errors.
func flatten(err error) []error {
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return []error{err}
	}
	var out []error
	for _, e := range j.Unwrap() {
		out = append(out, flatten(e)...)
	}
	return out
}

// isDev reports dev mode: no config file, nobody configured, and nothing
// in the environment that configures a deployment (the store is memory,
// the listen address loopback). main then mounts the demo service and
// needs no keys but the admin key, if one is set.
func (c *Config) isDev() bool {
	return c.unconfigured() && c.Store != "redis" && loopback(c.Listen)
}

// unconfigured reports that no config file names a caller or service:
// the hub would have no keys.
func (c *Config) unconfigured() bool {
	return !c.fromFile && len(c.Callers) == 0 && len(c.Services) == 0
}

// checkExposed refuses a hub with no config file, and so no keys, that
// would listen beyond loopback: dev mode is for one machine.
func (c *Config) checkExposed() error {
	if !c.unconfigured() || loopback(c.Listen) {
		return nil
	}
	return fmt.Errorf("listen %s: not a loopback address, and without a config file the hub has no keys; "+
		"run with --config FILE naming callers and services with their keys, "+
		"or listen on loopback (--listen 127.0.0.1:8888) for dev mode", c.Listen)
}

// loopback reports whether the listen address addr takes connections
// from this machine only. An empty addr is the dev default, loopback.
func loopback(addr string) bool {
	if addr == "" {
		return true
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// defaultUI is the ui setting when none is given.
func (c *Config) defaultUI() string {
	switch {
	case c.isDev():
		return "playground"
	case c.Admin.APIKey != "":
		return "console"
	}
	return "off"
}

// defaultSchedule is delivery.schedule when none is given.
var defaultSchedule = []Duration{Duration(time.Second), Duration(5 * time.Second),
	Duration(30 * time.Second), Duration(2 * time.Minute), Duration(10 * time.Minute),
	Duration(30 * time.Minute), Duration(time.Hour)}

// setDefaults fills every setting left at its zero value.
func (c *Config) setDefaults() {
	listen := ":8888"
	if !c.fromFile {
		listen = "127.0.0.1:8888"
	}
	setDefault(&c.Listen, listen)
	setDefault(&c.Store, "memory")
	setDefault(&c.Redis.KeyPrefix, "callhub:")
	setDefault(&c.Redis.Timeout, Duration(time.Second))
	setDefault(&c.Retention, Duration(24*time.Hour))
	setDefault(&c.UI, c.defaultUI())
	setDefault(&c.Redis.WaitTimeout, Duration(time.Second))
	for i := range c.Services {
		setDefault(&c.Services[i].Timeout, Duration(30*time.Second))
	}
	d := &c.Delivery
	setDefault(&d.MaxAttempts, 10)
	setDefault(&d.Timeout, Duration(10*time.Second))
	setDefault(&d.DisableAfter, Duration(5*24*time.Hour))
	if len(d.Schedule) == 0 {
		d.Schedule = append([]Duration(nil), defaultSchedule...)
	}
	l := &c.Limits
	setDefault(&l.MaxBodyBytes, 1<<20)
	setDefault(&l.MaxFileBytes, 1<<30)
	setDefault(&l.WSSendBuffer, 256)
	setDefault(&l.ReadTimeout, Duration(30*time.Second))
	setDefault(&l.WriteTimeout, Duration(10*time.Second))
	setDefault(&l.IdleTimeout, Duration(120*time.Second))
	setDefault(&c.Log.Format, "text")
	setDefault(&c.Log.Level, "info")
}

// setDefault sets *p to def when *p is the zero value.
func setDefault[T comparable](p *T, def T) {
	var zero T
	if *p == zero {
		*p = def
	}
}
