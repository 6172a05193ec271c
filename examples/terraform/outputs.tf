output "function_name" {
  value = aws_lambda_function.get_default.function_name
}

output "live_alias_arn" {
  description = "Invoke this (provisioned concurrency); the unqualified function is on-demand."
  value       = aws_lambda_alias.live.arn
}

output "layer_version_arn" {
  value = local.layer_arn
}
