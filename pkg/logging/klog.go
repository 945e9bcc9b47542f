package logging

import (
	"github.com/go-logr/zapr"
	"go.uber.org/zap"
	"k8s.io/klog/v2"
)

// klogName names the logger of the lines client-go writes through klog, so
// that an operator can tell them from this program's own.
const klogName = "klog"

// RedirectKlog makes every klog line (client-go's, apimachinery's) go through
// log, in its format and at its level, instead of klog's own stderr writer.
// klog keeps its verbosity at 0: client-go's V-levelled lines are developer
// detail and stay off even at debug. klog warnings arrive at info, because
// klog hands a backing logger only two severities (info and error).
//
// It changes process-wide state: call it once at start, before any client
// is built. The returned function restores klog's own writer, for tests.
func RedirectKlog(log *zap.Logger) (restore func()) {
	named := log.Named(klogName)
	klog.SetLoggerWithOptions(zapr.NewLogger(named), klog.FlushLogger(func() { _ = named.Sync() }))
	return klog.ClearLogger
}
