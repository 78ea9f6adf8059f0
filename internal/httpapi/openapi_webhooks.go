package httpapi

import (
	"github.com/tritiumhq/tritium/internal/feed"
)

// webhookSchemas are the OpenAPI schemas of the webhook and delivery
// routes (docs/webhooks.md).
func webhookSchemas() obj {
	str := obj{"type": "string"}
	num := obj{"type": "integer"}
	at := obj{"type": "string", "format": "date-time"}
	optAt := obj{"type": []string{"string", "null"}, "format": "date-time"}
	events := obj{"type": "array", "items": obj{"type": "string", "enum": feed.Types}}
	return obj{
		"Webhook": obj{"type": "object", "properties": obj{
			"id": str, "name": str, "url": str, "events": events,
			"form":           obj{"type": "string", "description": "Only this form's events (\"\": every form)"},
			"enabled":        obj{"type": "boolean"},
			"failures":       obj{"type": "integer", "description": "Failed deliveries since the last delivered one"},
			"disabledReason": obj{"type": "string", "description": "Why the subscription was turned off automatically"},
			"createdTime":    at, "modifiedTime": at,
			"secret": obj{"type": "string", "description": "Only in the answers that create the subscription or rotate its secret"},
		}},
		"WebhookList": listOf("Webhook"),
		"WebhookInput": obj{"type": "object", "properties": obj{
			"name": str, "url": obj{"type": "string", "description": "http(s), no user name or password; private addresses need the server's allow-list"},
			"events": events, "form": str, "enabled": obj{"type": "boolean"},
		}},
		"Delivery": obj{"type": "object", "properties": obj{
			"id":   obj{"type": "string", "description": "Sent as X-Tritium-Delivery, the same on every attempt"},
			"kind": obj{"type": "string", "description": "Sent as X-Tritium-Event"}, "owner": str, "ref": str, "url": str,
			"status":       obj{"type": "string", "enum": deliveryStatuses},
			"attempts":     num,
			"responseCode": obj{"type": "integer", "description": "The last attempt's HTTP status (0: no answer)"},
			"latencyMs":    num, "lastError": str,
			"nextAttemptTime": optAt, "createdTime": at, "modifiedTime": at, "deliveredTime": optAt,
		}},
		"DeliveryList": listOf("Delivery"),
		"DeliveryAttempt": obj{"type": "object", "properties": obj{
			"attempt": num, "generation": obj{"type": "integer", "description": "1, then one more per re-send"},
			"startedTime": at, "responseCode": num, "latencyMs": num, "error": str,
			"response": obj{"type": "string", "description": "The first 1 KiB of the answer"},
		}},
		"DeliveryAttemptList": listOf("DeliveryAttempt"),
	}
}
