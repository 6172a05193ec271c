# The layer version ARN `make publish` recorded for this region and architecture. Self-contained
# (no provider), so the tests can evaluate it with `terraform console` against a real record.

variable "published_record" {
  description = "The record `make publish` writes (PUBLISH_RECORD)."
  type        = string
  default     = "../../dist/published.json"
}

variable "layer_name" {
  description = "LAYER_NAME the layer was published under."
  type        = string
  default     = "wait-for-init"
}

locals {
  # null when the record is missing or has no such entry (checked where it is used).
  published_layer_arn = one([
    for l in try(jsondecode(file(var.published_record)).layers, []) : l.layerVersionArn
    if l.layerName == var.layer_name && l.region == var.region && l.architecture == var.architecture
  ])
}
