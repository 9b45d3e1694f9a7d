"""Marketing: the hub's own tracked short links (`/l/<code>`), their clicks and each visitor's first and
last touch, the base the analytics issue builds attribution on."""
