package certs

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
)

// certificateBlock is the PEM type of a certificate; a CA bundle holds only
// these.
const certificateBlock = "CERTIFICATE"

// ErrPrivateKeyInBundle is wrapped when a CA bundle file holds a private key:
// the caBundle is written into every CRD, readable by anyone who can read
// CRDs, so a key must never go there.
var ErrPrivateKeyInBundle = errors.New("holds a private key")

// ReadCABundleFile reads a PEM file for the CRDs' caBundle and returns its
// bytes as read. The file must hold at least one CERTIFICATE block and no
// other PEM block; text between blocks, such as the comments of a system
// bundle, is allowed. Errors name the file.
func ReadCABundleFile(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read CA bundle file: %w", err)
	}
	if err := checkCABundle(data); err != nil {
		return nil, fmt.Errorf("CA bundle file %s: %w", path, err)
	}
	return data, nil
}

// checkCABundle checks that data holds one or more parsable certificates and
// no other PEM block.
func checkCABundle(data []byte) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return errors.New("is empty")
	}
	count := 0
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		count++
		if err := checkBundleBlock(block, count); err != nil {
			return err
		}
	}
	if count == 0 {
		return errors.New("holds no PEM block: want one or more CERTIFICATE blocks")
	}
	return nil
}

// checkBundleBlock checks the n-th PEM block of a CA bundle.
func checkBundleBlock(block *pem.Block, n int) error {
	if strings.Contains(block.Type, "PRIVATE KEY") {
		return fmt.Errorf("%w (PEM block %d is %q): a CA bundle is published in every CRD; remove the key",
			ErrPrivateKeyInBundle, n, block.Type)
	}
	if block.Type != certificateBlock {
		return fmt.Errorf("PEM block %d is %q: want only CERTIFICATE blocks", n, block.Type)
	}
	if _, err := x509.ParseCertificate(block.Bytes); err != nil {
		return fmt.Errorf("PEM block %d: %w", n, err)
	}
	return nil
}

// BundleContains tells whether the PEM bundle holds cert. Blocks that do not
// parse are skipped: what matters is whether a client trusting the bundle
// trusts cert.
func BundleContains(bundle []byte, cert *x509.Certificate) bool {
	for rest := bundle; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return false
		}
		if block.Type == certificateBlock && bytes.Equal(block.Bytes, cert.Raw) {
			return true
		}
	}
}
