"""Official Account, Mini Program, OAuth and token surfaces of wxsandbox (api.weixin.qq.com and friends)."""
