"""Error codes of the catalogue. Value: (wire code, HTTP status, Chinese message)."""

from wxmall.core.errors import ErrorCode


class CatalogError(ErrorCode):
    CATEGORY_NOT_FOUND = ("category_not_found", 404, "分类不存在")
    PRODUCT_NOT_FOUND = ("product_not_found", 404, "商品不存在或已下架")
    SKU_NOT_FOUND = ("catalog_sku_not_found", 404, "商品规格不存在")
    SKU_UNAVAILABLE = ("catalog_sku_unavailable", 409, "该规格已停售")
    OUT_OF_STOCK = ("catalog_out_of_stock", 409, "库存不足")
    INVALID_FILTER = ("invalid_filter", 400, "筛选条件不正确")
    IMAGE_INVALID = ("catalog_image_invalid", 400, "图片无效")
    PRODUCT_INVALID = ("catalog_product_invalid", 400, "商品信息有误")
    IMPORT_INVALID = ("catalog_import_invalid", 400, "导入文件有误")
