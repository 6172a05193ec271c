variable "region" {
  description = "Region to deploy to."
  type        = string
  default     = "eu-west-1"
}

variable "architecture" {
  description = "x86_64 or arm64: the layer zip's architecture, and so the function's (the extension is a native executable)."
  type        = string
  default     = "x86_64"
  validation {
    condition     = contains(["x86_64", "arm64"], var.architecture)
    error_message = "architecture must be x86_64 or arm64."
  }
}

variable "layer_zip" {
  description = "The layer zip to deploy; null: the one `make layer ARCH=<architecture>` writes. A release zip works the same."
  type        = string
  default     = null
}

variable "wait_for_init_arn" {
  description = "A published layer version ARN to use instead of deploying the zip (for this region and architecture)."
  type        = string
  default     = null
}

variable "use_published_record" {
  description = "Use the ARN `make publish` recorded in published_record for this region and architecture, instead of deploying the zip."
  type        = bool
  default     = false
}

variable "warming_timeout" {
  description = "WARMING_TIMEOUT: milliseconds the extension holds Init at most."
  type        = number
  default     = 5000
}

variable "provisioned_instances" {
  description = "Provisioned concurrency of the alias \"live\", where Init runs ahead of traffic (billed while deployed)."
  type        = number
  default     = 1
}
