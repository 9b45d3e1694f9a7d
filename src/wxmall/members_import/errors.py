from wxmall.core.errors import ErrorCode


class MemberImportError(ErrorCode):
    FILE_TOO_LARGE = ("member_import_file_too_large", 413, "文件超过大小上限")
    FILE_EMPTY = ("member_import_file_empty", 400, "文件为空或没有表头")
    BAD_FORMAT = ("member_import_bad_format", 400, "只支持 CSV 或 XLSX 文件")
    BAD_ENCODING = (
        "member_import_bad_encoding",
        400,
        "文件编码无法识别：请另存为 UTF-8，或在上传时选择 GBK 编码",
    )
    BAD_XLSX = ("member_import_bad_xlsx", 400, "XLSX 文件损坏或无法读取")
    BAD_MAPPING = ("member_import_bad_mapping", 400, "列映射不正确：至少映射手机号、邮箱或 UnionID 之一")
    NOT_STARTABLE = ("member_import_not_startable", 409, "该导入任务当前不能开始")
