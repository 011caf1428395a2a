package stripeclient

import (
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"
)

// FuzzVerifyWebhook: any body, signed or not, is either an event or EINVALID; it never
// panics.
func FuzzVerifyWebhook(f *testing.F) {
	f.Add([]byte(`{"id":"evt_1","type":"charge.refunded","created":1,"data":{"object":{"object":"charge","id":"ch_1","payment_intent":{"id":"pi_1"}}}}`))
	f.Add([]byte(`{"id":"evt_2","data":{"object":[]}}`))
	f.Add([]byte(`not json`))
	now := time.Unix(1700000000, 0)
	f.Fuzz(func(t *testing.T, body []byte) {
		sig := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: "whsec_x", Timestamp: now}).Header
		_, _ = VerifyWebhook(body, sig, "whsec_x", now)
		_, _ = VerifyWebhook(body, "t=1700000000,v1=00", "whsec_x", now)
		_, _ = ParseEvent(body)
	})
}
