package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"time"

	"go.yaml.in/yaml/v3"
)

// Config is the YAML configuration; the key names are DESIGN.md's.
type Config struct {
	Listen    string          `yaml:"listen"`
	PublicURL string          `yaml:"publicURL"`
	Store     string          `yaml:"store"`
	Redis     RedisConfig     `yaml:"redis"`
	Retention Duration        `yaml:"retention"`
	Secret    string          `yaml:"secret"`
	Admin     AdminConfig     `yaml:"admin"`
	Demo      bool            `yaml:"demo"`
	Callers   []CallerConfig  `yaml:"callers"`
	Services  []ServiceConfig `yaml:"services"`
	Delivery  DeliveryConfig  `yaml:"delivery"`
	Limits    LimitsConfig    `yaml:"limits"`
	Files     FilesConfig     `yaml:"files"`

	fromFile bool // a config file was given
}

// RedisConfig is the redis section.
type RedisConfig struct {
	URL        string   `yaml:"url"`
	Addrs      []string `yaml:"addrs"`
	MasterName string   `yaml:"masterName"`
	Password   string   `yaml:"password"`
	KeyPrefix  string   `yaml:"keyPrefix"`
}

// AdminConfig is the admin section.
type AdminConfig struct {
	APIKey string `yaml:"apiKey"`
}

// CallerConfig is one entry of callers.
type CallerConfig struct {
	ID                 string   `yaml:"id"`
	APIKey             string   `yaml:"apiKey"`
	CallbackBase       string   `yaml:"callbackBase"`
	AllowCallbackHosts []string `yaml:"allowCallbackHosts"`
	WebhookSecret      string   `yaml:"webhookSecret"`
	AllowAddrs         []string `yaml:"allowAddrs"`
}

// ServiceConfig is one entry of services.
type ServiceConfig struct {
	ID         string            `yaml:"id"`
	BaseURL    string            `yaml:"baseURL"`
	APIKey     string            `yaml:"apiKey"`
	Timeout    Duration          `yaml:"timeout"`
	Headers    map[string]string `yaml:"headers"`
	AllowAddrs []string          `yaml:"allowAddrs"`
}

// DeliveryConfig is the delivery section.
type DeliveryConfig struct {
	MaxAttempts     int        `yaml:"maxAttempts"`
	Timeout         Duration   `yaml:"timeout"`
	Schedule        []Duration `yaml:"schedule"`
	RatePerEndpoint float64    `yaml:"ratePerEndpoint"`
	DisableAfter    Duration   `yaml:"disableAfter"`
}

// LimitsConfig is the limits section.
type LimitsConfig struct {
	MaxBodyBytes  Size    `yaml:"maxBodyBytes"`
	MaxFileBytes  Size    `yaml:"maxFileBytes"`
	WSSendBuffer  int     `yaml:"wsSendBuffer"`
	RatePerCaller float64 `yaml:"ratePerCaller"`
}

// FilesConfig is the files section.
type FilesConfig struct {
	Dir string `yaml:"dir"`
}

// loadConfig reads the YAML file at path ("" for none) with ${VAR}
// expanded from getenv, applies CALLHUB_* overrides and defaults, and
// validates the result, naming every wrong key.
func loadConfig(path string, getenv func(string) string) (*Config, error) {
	cfg := &Config{}
	if path != "" {
		raw, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
		if err := parseConfig(raw, getenv, cfg); err != nil {
			return nil, fmt.Errorf("config %s: %w", path, err)
		}
		cfg.fromFile = true
	}
	if err := applyEnv(cfg, getenv); err != nil {
		return nil, err
	}
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return cfg, nil
}

var varRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// parseConfig expands ${VAR} references and decodes the YAML strictly.
func parseConfig(raw []byte, getenv func(string) string, cfg *Config) error {
	var missing []error
	for i, line := range bytes.Split(raw, []byte("\n")) {
		for _, m := range varRef.FindAllSubmatch(line, -1) {
			if getenv(string(m[1])) == "" {
				missing = append(missing, fmt.Errorf("line %d: ${%s} is not set in the environment", i+1, m[1]))
			}
		}
	}
	if len(missing) > 0 {
		return errors.Join(missing...)
	}
	expanded := varRef.ReplaceAllFunc(raw, func(m []byte) []byte {
		return []byte(getenv(string(varRef.FindSubmatch(m)[1])))
	})
	dec := yaml.NewDecoder(bytes.NewReader(expanded))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// isDev reports dev mode: no config file and nobody configured.
func (c *Config) isDev() bool {
	return !c.fromFile && len(c.Callers) == 0 && len(c.Services) == 0
}

func (c *Config) setDefaults() {
	if c.Listen == "" {
		c.Listen = ":8888"
		if !c.fromFile {
			c.Listen = "127.0.0.1:8888"
		}
	}
	if c.Store == "" {
		c.Store = "memory"
	}
	if c.Redis.KeyPrefix == "" {
		c.Redis.KeyPrefix = "callhub:"
	}
	setDuration(&c.Retention, 24*time.Hour)
	c.Delivery.setDefaults()
	c.Limits.setDefaults()
	for i := range c.Services {
		setDuration(&c.Services[i].Timeout, 30*time.Second)
	}
}

func (d *DeliveryConfig) setDefaults() {
	if d.MaxAttempts == 0 {
		d.MaxAttempts = 10
	}
	setDuration(&d.Timeout, 10*time.Second)
	setDuration(&d.DisableAfter, 5*24*time.Hour)
	if len(d.Schedule) == 0 {
		for _, s := range []time.Duration{time.Second, 5 * time.Second, 30 * time.Second,
			2 * time.Minute, 10 * time.Minute, 30 * time.Minute, time.Hour} {
			d.Schedule = append(d.Schedule, Duration(s))
		}
	}
}

func (l *LimitsConfig) setDefaults() {
	if l.MaxBodyBytes == 0 {
		l.MaxBodyBytes = 1 << 20
	}
	if l.MaxFileBytes == 0 {
		l.MaxFileBytes = 1 << 30
	}
	if l.WSSendBuffer == 0 {
		l.WSSendBuffer = 256
	}
}

func setDuration(d *Duration, def time.Duration) {
	if *d == 0 {
		*d = Duration(def)
	}
}
