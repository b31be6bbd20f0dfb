print("fabric: the CLI is built in the following commits")
