# The wait-for-init layer (from the zip, or a version published already), the get-default sample
# function holding Init until its warm-up is done, and the alias "live" with provisioned
# concurrency.

locals {
  layer_zip   = coalesce(var.layer_zip, "${path.module}/../../dist/wait-for-init-${var.architecture}.zip")
  deploy_zip  = var.wait_for_init_arn == null && !var.use_published_record
  layer_arn   = var.wait_for_init_arn != null ? var.wait_for_init_arn : var.use_published_record ? local.published_layer_arn : one(aws_lambda_layer_version.wait_for_init[*].arn)
  function_id = "wait-for-init-sample-${var.architecture}"
}

resource "aws_lambda_layer_version" "wait_for_init" {
  count                    = local.deploy_zip ? 1 : 0
  layer_name               = var.layer_name
  description              = "wait-for-init, holds Lambda Init until the function signals ready"
  filename                 = local.layer_zip
  source_code_hash         = filebase64sha256(local.layer_zip)
  compatible_architectures = [var.architecture]
  compatible_runtimes      = ["nodejs22.x", "nodejs24.x"]
}

data "archive_file" "function" {
  type        = "zip"
  source_dir  = "${path.module}/../get-default"
  output_path = "${path.module}/.terraform/get-default.zip"
}

resource "aws_iam_role" "function" {
  name = local.function_id
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole" }]
  })
}

resource "aws_iam_role_policy_attachment" "logs" {
  role       = aws_iam_role.function.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
}

resource "aws_lambda_function" "get_default" {
  function_name    = local.function_id
  role             = aws_iam_role.function.arn
  runtime          = "nodejs22.x"
  handler          = "index.handler"
  architectures    = [var.architecture]
  filename         = data.archive_file.function.output_path
  source_code_hash = data.archive_file.function.output_base64sha256
  memory_size      = 256
  timeout          = 30
  layers           = [local.layer_arn]
  publish          = true # provisioned concurrency needs a version

  environment {
    variables = {
      WARMING_TIMEOUT = tostring(var.warming_timeout)
    }
  }

  lifecycle {
    precondition {
      condition     = local.layer_arn != null
      error_message = "No layer ARN: ${var.published_record} has no ${var.layer_name} entry for ${var.region} ${var.architecture}; run `make publish` for it, or set wait_for_init_arn."
    }
  }

  depends_on = [aws_iam_role_policy_attachment.logs]
}

resource "aws_lambda_alias" "live" {
  name             = "live"
  function_name    = aws_lambda_function.get_default.function_name
  function_version = aws_lambda_function.get_default.version
}

# Lambda runs Init for these instances ahead of traffic: the hold costs no request time.
resource "aws_lambda_provisioned_concurrency_config" "live" {
  function_name                     = aws_lambda_alias.live.function_name
  qualifier                         = aws_lambda_alias.live.name
  provisioned_concurrent_executions = var.provisioned_instances
}
